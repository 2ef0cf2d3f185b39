/** @module analysis/report/page/style — the page's inline CSS (no web fonts, no network). Readable down to 360 px. */
export const STYLE = `
:root{--fg:#1b2230;--muted:#5d6677;--line:#e3e6ee;--bg:#f5f6fa;--card:#fff;--promote:#1a7f37;--rollback:#c62828;--inconclusive:#a86b00;--stable:#3b6fb6;--canary:#e07b24}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:980px;margin:0 auto;padding:16px}
.verdict{border-radius:10px;color:#fff;padding:18px 20px;display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 18px}
.verdict.promote{background:var(--promote)}.verdict.rollback{background:var(--rollback)}.verdict.inconclusive{background:var(--inconclusive)}
.verdict h1{margin:0;font-size:30px;letter-spacing:.04em}
.verdict .conf{font-size:20px;font-weight:600}
.verdict .meta{flex-basis:100%;font-size:13px;opacity:.92;overflow-wrap:anywhere}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 18px;margin:14px 0}
h2{font-size:18px;margin:0 0 8px}
h3{font-size:15px;margin:14px 0 6px}
p{margin:6px 0}
ul.why{margin:6px 0;padding-left:20px}ul.why li{margin:4px 0}
.kind{display:inline-block;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.03em;background:#eef1f7;color:#3a4456;border-radius:4px;padding:1px 6px;margin-right:6px;white-space:nowrap}
.kind.veto{background:#fde7e7;color:var(--rollback)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;vertical-align:top;padding:7px 8px;border-bottom:1px solid var(--line)}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.num small{display:block;color:var(--muted)}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code.tpl{overflow-wrap:anywhere;background:#f3f4f8;padding:1px 4px;border-radius:3px}
pre.sample{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f7f9;border-left:3px solid #cfd4df;margin:6px 0 0;padding:6px 8px;max-height:11em;overflow:auto}
.pass{display:flex;flex-wrap:wrap;gap:6px 18px;margin:6px 0}
.pass b.bad{color:var(--rollback)}.pass b.good{color:var(--promote)}
.legend{font-size:12px;color:var(--muted)}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
svg.chart{display:block;max-width:560px;margin:4px 0}
.failure{border-top:1px dashed var(--line);padding-top:8px;margin-top:8px}
.failure img{display:block;max-width:100%;max-height:420px;border:1px solid var(--line);border-radius:6px;margin-top:6px}
.muted{color:var(--muted)}
footer{color:var(--muted);font-size:12px;text-align:center;margin:18px 0 30px}
@media (max-width:600px){
 main{padding:8px}.verdict h1{font-size:24px}.verdict .conf{font-size:17px}
 section{padding:12px}
 table.templates thead{display:none}
 table.templates tr{display:block;border-bottom:1px solid var(--line);padding:6px 0}
 table.templates td{display:block;border:0;padding:3px 2px}
 table.templates td.num{text-align:left}
 table.templates td.num small{display:inline;margin-left:6px}
 table.templates td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:var(--muted);font-size:12px}
}`;
