import { describe, expect, it } from 'vitest';
import { compileCondition, ConditionEvalError, ConditionSyntaxError, outcome } from './condition.ts';

const result = {
  status: 200,
  ok: true,
  latencyMs: 12.5,
  confidence: 85,
  promote: true,
  failures: [],
  tags: ['a', 'b'],
  body: { healthy: true, version: 'v2' },
  none: null,
};

describe('condition expressions (expr subset)', () => {
  it.each([
    ['result > 0.5 on a number', 'result > 0.5', 0.9, true],
    ['number equality', 'result.status == 200', result, true],
    ['and of comparisons', 'result.confidence >= 80 && result.promote', result, true],
    ['word operators', 'result.confidence >= 90 or not result.promote', result, false],
    ['len of an empty list', 'len(result.failures) == 0', result, true],
    ['nested fields', 'result.body.healthy == true && result.body.version == "v2"', result, true],
    ['index and membership', "result.tags[0] == 'a' && 'b' in result.tags && 'body' in result", result, true],
    ['negative index', "result.tags[-1] == 'b'", result, true],
    ['arithmetic precedence', 'result.latencyMs * 2 + 1 == 26', result, true],
    ['parentheses', '!(result.status != 200)', result, true],
    ['missing field is nil', 'isNil(result.missing) && result.missing == nil', result, true],
    ['default()', "default(result.missing, 'x') == 'x'", result, true],
    ['asInt / asFloat of strings', "asInt('42') == 42 && asFloat('0.5') < 1", result, true],
    ['isNaN / isInf', 'isNaN(result.latencyMs) == false && !isInf(result.latencyMs)', result, true],
    ['string concatenation', "result.body.version + '-x' == 'v2-x'", result, true],
  ])('%s: %s', (_name, source, value, expected) => {
    expect(compileCondition(source)(value)).toBe(expected);
  });

  it.each([
    ['result.status == == 200', 18, 'unexpected "=="'],
    ['result.status ==', 17, 'unexpected the end of the expression'],
    ['(result.ok', 11, 'expected ")"'],
    ['result.ok && foo', 14, 'unknown name "foo"'],
    ["result.body == 'open", 16, 'unterminated string'],
    ['result.ok # 1', 11, 'unexpected character "#"'],
    ['len(result, 1)', 1, 'len() takes 1 argument(s), got 2'],
    ['result.', 8, 'expected a field name'],
  ])('syntax error in %s at column %i', (source, column, problem) => {
    try {
      compileCondition(source);
      expect.unreachable('should not parse');
    } catch (err) {
      expect(err).toBeInstanceOf(ConditionSyntaxError);
      expect((err as ConditionSyntaxError).column).toBe(column);
      expect((err as ConditionSyntaxError).problem).toContain(problem);
    }
  });

  it.each([
    ['result.status', 'must be a bool'],
    ["result.status > 'x'", 'cannot compare number > string'],
    ['result.none.x == 1', 'cannot read "x" of nil'],
    ['len(result.status) == 1', 'len() needs'],
    ['result.tags[5] == 1', 'out of range'],
    ['result.status && true', 'needs a bool'],
  ])('evaluation error in %s', (source, message) => {
    expect(() => compileCondition(source)(result)).toThrow(ConditionEvalError);
    expect(() => compileCondition(source)(result)).toThrow(message);
  });
});

describe("Argo's outcome table", () => {
  it.each([
    [undefined, undefined, 'Successful'],
    [true, undefined, 'Successful'],
    [false, undefined, 'Failed'],
    [undefined, true, 'Failed'],
    [undefined, false, 'Successful'],
    [true, true, 'Failed'],
    [false, true, 'Failed'],
    [false, false, 'Inconclusive'],
    [true, false, 'Successful'],
  ] as const)('success=%s failure=%s → %s', (s, f, expected) => {
    expect(outcome(s, f)).toBe(expected);
  });
});
