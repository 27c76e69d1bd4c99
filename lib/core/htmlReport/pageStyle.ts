/** The report page's palette: outcome colours, the chart line and target, grid and text. */
export const colors = {
  passed: '#1a7f37',
  failed: '#cf222e',
  inconclusive: '#bf8700',
  skipped: '#8c959f',
  target: '#cf222e',
  line: '#0969da',
  grid: '#d0d7de',
  text: '#1f2328',
  muted: '#59636e',
} as const;

/** The page's one inline stylesheet (no external assets). */
export const pageCss = `
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:${colors.text};font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
main{max-width:860px;margin:24px auto;padding:0 16px}
section,header.report{background:#fff;border:1px solid ${colors.grid};border-radius:8px;padding:16px 20px;margin-bottom:16px}
h1{font-size:22px;margin:0 0 8px}
h2{font-size:16px;margin:0 0 12px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-size:13px;font-weight:600;vertical-align:middle;text-transform:uppercase}
.passed{background:${colors.passed}}.failed{background:${colors.failed}}.inconclusive{background:${colors.inconclusive}}.skipped{background:${colors.skipped}}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0 0}
dl.meta dt{color:${colors.muted}}dl.meta dd{margin:0}
.reason{margin-top:10px;padding:8px 12px;border-left:4px solid ${colors.failed};background:#ffebe9}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 130px;border:1px solid ${colors.grid};border-radius:6px;padding:10px 12px}
.card .label{color:${colors.muted};font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:22px;font-weight:600}
.card .target{color:${colors.muted};font-size:12px}
.card.ok{border-left:4px solid ${colors.passed}}.card.bad{border-left:4px solid ${colors.failed}}.card.unknown{border-left:4px solid ${colors.inconclusive}}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid ${colors.grid};vertical-align:top}
th{font-size:12px;color:${colors.muted};text-transform:uppercase;letter-spacing:.04em}
td.outcome{white-space:nowrap;font-weight:600}
td.outcome.passed{color:${colors.passed};background:none}td.outcome.failed{color:${colors.failed};background:none}
td.outcome.inconclusive{color:${colors.inconclusive};background:none}td.outcome.skipped{color:${colors.skipped};background:none}
svg{display:block;max-width:100%;height:auto}
svg text{font:12px -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:${colors.text}}
svg text.muted{fill:${colors.muted}}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{flex:1 1 380px}
.chart h3{font-size:13px;margin:0 0 4px;color:${colors.muted}}
.note{color:${colors.muted};font-size:12px;margin:6px 0 0}
code{word-break:break-all;font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eff2f5;padding:1px 4px;border-radius:4px}
footer{color:${colors.muted};font-size:12px;margin:8px 0 24px}
`;
