//! The report as one self-contained HTML page: the report's JSON inside the page, and
//! an inline script that draws the charts (SVG) and tables from it. Nothing is fetched
//! from the network. When it has drawn everything the script marks the body
//! `data-rendered="yes"` with the number of charts in `data-charts`; any script error
//! lands in `data-errors`, so a headless browser can check the page (the test in
//! `vm/tests/analyze_html.rs` does).

use super::Analysis;

pub(crate) fn render(analysis: &Analysis) -> String {
    // `<` escaped as `\u003c` keeps a `</script>` inside a string from ending the
    // script element; it is the same JSON.
    let json = serde_json::to_string(analysis)
        .expect("the report serialises")
        .replace('<', "\\u003c");
    let title = escape(&format!("adead-vm analyze: {}", analysis.program));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n\
         <script>{GUARD}</script>\n</head>\n<body>\n<h1>{title}</h1>\n\
         <div id=\"report\">the report needs JavaScript to draw its charts</div>\n\
         <script type=\"application/json\" id=\"data\">{json}</script>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
}

/// HTML-escapes text for an element's content.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Records script errors in the page before anything else runs.
const GUARD: &str = r#"
(function () {
  function note(message) {
    var body = document.body || document.documentElement;
    var seen = body.getAttribute('data-errors');
    body.setAttribute('data-errors', (seen ? seen + ' | ' : '') + message);
  }
  window.addEventListener('error', function (e) { note(String(e.message)); });
  window.addEventListener('unhandledrejection', function (e) { note(String(e.reason)); });
  var error = console.error;
  console.error = function () {
    note(Array.prototype.join.call(arguments, ' '));
    error.apply(console, arguments);
  };
})();
"#;

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px;
       color: #1d2330; background: #fbfbfd; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d8dce6; padding-bottom: 4px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 8px; }
.fact { background: #fff; border: 1px solid #e1e4ec; border-radius: 6px; padding: 8px 10px; }
.fact b { display: block; font-size: 18px; }
.fact span { color: #5b6476; font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid #e1e4ec; border-radius: 6px; padding: 8px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #1d2330; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eceef3; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
pre.listing { background: #fff; border: 1px solid #e1e4ec; border-radius: 6px; padding: 6px 0;
              overflow-x: auto; font: 12px/1.35 ui-monospace, monospace; margin: 0; }
pre.listing div { padding: 0 8px; white-space: pre; }
pre.listing .count { display: inline-block; width: 12ch; text-align: right; color: #5b6476;
                     margin-right: 1ch; }
ul.suggestions li { margin-bottom: 6px; }
code.kind { background: #eef1f8; border-radius: 4px; padding: 1px 5px; }
.none { color: #5b6476; }
"#;

/// Draws the report from the JSON in `#data`.
const SCRIPT: &str = r#"
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  var root = document.getElementById('report');
  root.textContent = '';
  var SVG = 'http://www.w3.org/2000/svg';
  var charts = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function section(title) {
    root.appendChild(el('h2', {}, title));
  }
  function pct(share) { return (share * 100).toFixed(1) + '%'; }
  function num(n) { return Number(n).toLocaleString('en-US'); }

  // A horizontal bar chart of [label, value, note] rows.
  function bars(caption, rows, unit) {
    var figure = el('figure');
    figure.appendChild(el('figcaption', {}, caption));
    if (rows.length === 0) {
      figure.appendChild(el('p', { 'class': 'none' }, 'nothing to show'));
      return figure;
    }
    var width = 520, row = 20, label = 140, height = rows.length * row + 4;
    var chart = svg('svg', { 'class': 'chart', width: width, height: height,
                             viewBox: '0 0 ' + width + ' ' + height, role: 'img' });
    var max = Math.max.apply(null, rows.map(function (r) { return r[1]; })) || 1;
    rows.forEach(function (r, i) {
      var y = i * row + 2;
      var w = Math.max(1, (width - label - 180) * r[1] / max);
      chart.appendChild(svg('text', { x: label - 6, y: y + 13, 'text-anchor': 'end' }, r[0]));
      var bar = svg('rect', { x: label, y: y + 2, width: w.toFixed(1), height: row - 6,
                              rx: 2, fill: '#4c78c8' });
      bar.appendChild(svg('title', {}, r[0] + ': ' + num(r[1]) + (unit ? ' ' + unit : '')));
      chart.appendChild(bar);
      chart.appendChild(svg('text', { x: label + w + 6, y: y + 13 }, r[2]));
    });
    figure.appendChild(chart);
    charts += 1;
    return figure;
  }
  function table(headers, rows, numeric) {
    var t = el('table');
    var head = el('tr');
    headers.forEach(function (h) { head.appendChild(el('th', {}, h)); });
    t.appendChild(head);
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (cell, i) {
        tr.appendChild(el('td', numeric[i] ? { 'class': 'n' } : {}, String(cell)));
      });
      t.appendChild(tr);
    });
    return t;
  }
  function fact(value, label) {
    var box = el('div', { 'class': 'fact' });
    box.appendChild(el('b', {}, value));
    box.appendChild(el('span', {}, label));
    return box;
  }

  var d = data.dynamic, s = data['static'], m = data.memory, t = data.tensors;
  var outcome = data.outcome;
  var ended = outcome.kind === 'returned' ? 'returned ' + outcome.value
            : outcome.kind === 'halted' ? 'halted with ' + outcome.code
            : outcome.kind === 'trapped' ? 'trapped: ' + outcome.trap
            : 'did not run';

  section('Summary');
  var facts = el('div', { 'class': 'facts' });
  facts.appendChild(fact(ended, 'outcome'));
  facts.appendChild(fact(data.wall_ms.toFixed(3) + ' ms', 'wall time'));
  facts.appendChild(fact(num(d.instructions), 'instructions executed'));
  facts.appendChild(fact(pct(d.instructions ? d.native_instructions / d.instructions : 0),
                         'of them in native code'));
  facts.appendChild(fact(num(s.instructions), 'instructions in ' + s.functions + ' functions'));
  facts.appendChild(fact(num(m.size_bytes) + ' B', 'linear memory'));
  facts.appendChild(fact(num(m.peak_heap_bytes) + ' B', 'heap peak'));
  facts.appendChild(fact(num(t.peak_bytes) + ' B', 'tensor bytes peak'));
  root.appendChild(facts);

  section('Instruction mix');
  var mixes = el('div', { 'class': 'charts' });
  function mixRows(list, total) {
    return list.slice(0, 14).map(function (c) {
      return [c.name, c.count, pct(total ? c.count / total : 0)];
    });
  }
  mixes.appendChild(bars('Executed, by family', mixRows(d.families, d.instructions)));
  mixes.appendChild(bars('Executed, by opcode', mixRows(d.opcodes, d.instructions)));
  mixes.appendChild(bars('In the module, by opcode', mixRows(s.opcodes, s.instructions)));
  root.appendChild(mixes);

  section('Hot functions and loops');
  var hot = el('div', { 'class': 'charts' });
  hot.appendChild(bars('Functions, share of instructions', d.functions.slice(0, 12).map(function (f) {
    return [f.name, f.instructions, pct(f.share) + ' (' + pct(f.native_share) + ' native)'];
  })));
  hot.appendChild(bars('Loops, share of instructions', d.loops.slice(0, 12).map(function (l) {
    return [l.function + ' @' + l.header, l.instructions, pct(l.share) + ', ' + num(l.iterations) + ' iterations'];
  })));
  root.appendChild(hot);
  if (d.tier_ups.length) {
    root.appendChild(el('h3', {}, 'Tier-ups'));
    root.appendChild(table(
      ['function', 'entry', 'tier', 'at instruction', 'ready at (ms)', 'compile (us)', 'bytes'],
      d.tier_ups.map(function (u) {
        return [u.function, u.entry, u.tier,
                u.at_instruction === null ? 'at load' : num(u.at_instruction),
                u.ready_ms.toFixed(3), u.compile_us.toFixed(1), num(u.code_bytes)];
      }),
      [false, false, false, true, true, true, true]));
  }

  section('Tensor operations');
  if (t.ops.length) {
    root.appendChild(el('p', {}, 'kernels ' + t.kernel_path + ' on ' + t.threads +
                                 ' thread(s), device ' + t.device));
    root.appendChild(bars('Time per tensor opcode', t.by_opcode.map(function (o) {
      return [o.opcode, o.total_us, o.total_us.toFixed(1) + ' us, ' + num(o.executions) + ' runs'];
    }), 'us'));
    root.appendChild(table(
      ['function@pc', 'opcode', 'shapes', 'executions', 'total (us)', 'GFLOP/s'],
      t.ops.map(function (o) {
        return [o.function + '@' + o.pc, o.opcode, o.shapes, num(o.executions),
                o.total_us.toFixed(1), o.gflops === null ? '' : o.gflops.toFixed(2)];
      }),
      [false, false, false, true, true, true]));
  } else {
    root.appendChild(el('p', { 'class': 'none' }, 'no tensor instruction ran'));
  }

  section('Suggestions');
  if (data.suggestions.length) {
    var list = el('ul', { 'class': 'suggestions' });
    data.suggestions.forEach(function (sg) {
      var item = el('li');
      item.appendChild(el('code', { 'class': 'kind' }, sg.kind));
      item.appendChild(document.createTextNode(' ' + sg['function'] + ', instruction ' + sg.pc +
                                               ': ' + sg.message));
      list.appendChild(item);
    });
    root.appendChild(list);
  } else {
    root.appendChild(el('p', { 'class': 'none' }, 'none: nothing this analysis looks for was seen'));
  }

  data.hot_code.forEach(function (h) {
    section('Hot code: ' + h['function'] + ' (' + pct(h.share) + ' of all instructions)');
    var max = Math.max.apply(null, h.lines.map(function (l) { return l.count || 0; })) || 1;
    var pre = el('pre', { 'class': 'listing' });
    h.lines.forEach(function (line) {
      var row = el('div');
      var count = el('span', { 'class': 'count' }, line.count === null ? '' : num(line.count));
      row.appendChild(count);
      row.appendChild(document.createTextNode(line.text));
      if (line.count) {
        var heat = (0.08 + 0.5 * line.count / max).toFixed(2);
        row.setAttribute('style', 'background: rgba(232, 110, 60, ' + heat + ')');
      }
      pre.appendChild(row);
    });
    root.appendChild(pre);
  });

  document.body.setAttribute('data-charts', String(charts));
  document.body.setAttribute('data-rendered', 'yes');
})();
"#;
