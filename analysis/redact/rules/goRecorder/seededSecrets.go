// Copied by updateGitleaksExamples.ts into a scratch copy of gitleaks' Go module (package
// cmd/generate/secrets); never built as part of rollout-sentinel. NewSecret seeds each generator from
// a counter instead of the clock, so that the vendored examples are the same on every update, and
// remembers what it generated, so that examples holding a generated value can be marked.

package secrets

import "github.com/lucasjones/reggen"

var (
	sentinelSeed      int64
	sentinelGenerated []string
)

// SentinelTakeGenerated returns the values NewSecret returned since its last call (a rule's generator
// makes its samples, then validates them: these are that rule's generated values) and forgets them.
func SentinelTakeGenerated() []string {
	g := sentinelGenerated
	sentinelGenerated = nil
	return g
}

func sentinelNewSecret(regex string) string {
	g, err := reggen.NewGenerator(regex)
	if err != nil {
		panic(err)
	}
	sentinelSeed++
	g.SetSeed(sentinelSeed)
	s := g.Generate(1)
	sentinelGenerated = append(sentinelGenerated, s)
	return s
}
