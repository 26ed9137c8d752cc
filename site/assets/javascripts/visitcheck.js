/* The visit check: the project's Python claim checker (kb/check), run in the browser by Pyodide.
 *
 * Nothing here decides a finding: the visit read from the form goes to kb.check.check_many in
 * Pyodide, on the site's compiled knowledge base (kb.json.gz, packed: kb/packing.py expands it), and the result
 * (units, findings, fixes, sources) is shown as `kb check --json` gives it. Pyodide and the checker (assets/visitcheck/) load on the first check
 * only, so the unit calculator stays instant.
 *
 * kbVisitCheck.checkMany([visit, ...]) -> Promise of [result or {error, field}] (the browser tests
 * compare it with the Python library). Every text from a result goes in with textContent.
 */
(function () {
  "use strict";

  var root = document.getElementById("kb-calc");
  var site = (root && root.getAttribute("data-site")) || "../";
  var base = new URL(site + "assets/visitcheck/", location.href).href;
  var BRIDGE = [
    "import gzip, json",
    "from kb.knowledge import KnowledgeBase",
    "from kb.check import check_many",
    "from kb.packing import unpack",
    "_KB = KnowledgeBase(unpack(json.loads(gzip.decompress(KB_JSON_GZ.to_py()))), origin='artifact')",
    "del KB_JSON_GZ",
    "def kb_check_json(text):",
    "    return json.dumps([r.to_dict() for r in check_many(_KB, json.loads(text))])",
  ].join("\n");

  var loading = null;

  function load() {
    if (!loading) {
      loading = (async function () {
        var mod = await import(base + "pyodide.mjs");
        var py = await mod.loadPyodide({ indexURL: base, stdout: function () {}, stderr: function () {} });
        var responses = await Promise.all([fetch(base + "kb-checker.zip"), fetch(base + "kb.json.gz")]);
        responses.forEach(function (r) { if (!r.ok) throw new Error(r.url + ": HTTP " + r.status); });
        py.unpackArchive(await responses[0].arrayBuffer(), "zip");
        py.globals.set("KB_JSON_GZ", new Uint8Array(await responses[1].arrayBuffer()));
        py.runPython(BRIDGE);
        return py.globals.get("kb_check_json");
      })();
      loading.catch(function () { loading = null; });  // a failed load may be tried again
    }
    return loading;
  }

  async function checkMany(visits) {
    var run = await load();
    return JSON.parse(run(JSON.stringify(visits)));
  }

  window.kbVisitCheck = { load: load, checkMany: checkMany };

  // -- the page ---------------------------------------------------------------------------------

  var button = document.getElementById("kb-check-run");
  if (!root || !button || !window.kbCalc) return;
  var status = document.getElementById("kb-check-status");
  var summary = document.getElementById("kb-check-summary");
  var lineTable = document.getElementById("kb-check-lines");
  var findingsList = document.getElementById("kb-check-findings");
  var output = document.getElementById("kb-check-output");
  var loaded = false;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function sourceLink(src) {
    var label = (src.publisher ? src.publisher.split(" (")[0] + " \u00b7 " : "") + (src.section || src.title);
    if (src.url && /^https?:\/\//.test(src.url)) {
      return el("a", { href: src.url, rel: "noopener", title: src.title || "" }, label);
    }
    return el("span", { title: src.title || "" }, label);
  }

  function show(result, visit) {
    summary.textContent = ""; lineTable.textContent = ""; findingsList.textContent = "";
    output.hidden = false;
    if (result.error) {
      summary.setAttribute("data-ok", "false");
      summary.textContent = "Not checked: " + (result.field ? result.field + ": " : "") + result.error;
      return;
    }
    var counts = { error: 0, warning: 0, info: 0 };
    result.findings.forEach(function (f) { counts[f.severity] += 1; });
    var words = ["error", "warning", "info"].filter(function (s) { return counts[s]; }).map(function (s) {
      return counts[s] + " " + (s === "info" ? "note" + (counts[s] !== 1 ? "s" : "") : s + (counts[s] !== 1 ? "s" : ""));
    });
    summary.setAttribute("data-ok", String(result.ok));
    summary.textContent = (result.ok ? "OK: nothing the payer will deny or reject" : "Will be denied or rejected") +
      (words.length ? " (" + words.join(", ") + ")." : ", no findings.");
    result.lines.forEach(function (ln) {
      var tr = el("tr", { "data-code": ln.code, "data-units": ln.units === null ? "" : String(ln.units) });
      tr.appendChild(el("td", { "data-label": "Line" }, String(ln.index + 1)));
      var td = el("td", { "data-label": "Code" });
      td.appendChild(el("a", { href: site + "codes/" + encodeURIComponent(ln.code) + "/" }, ln.code));
      tr.appendChild(td);
      tr.appendChild(el("td", { "class": "kb-num", "data-label": "Minutes" }, ln.minutes === null ? "" : ln.minutes));
      tr.appendChild(el("td", { "class": "kb-num kb-calc-units", "data-label": "Units" },
        ln.units === null ? "?" : ln.units));
      tr.appendChild(el("td", { "class": "kb-num", "data-label": "Billed" },
        ln.billed_units === null ? "" : ln.billed_units));
      tr.appendChild(el("td", { "data-label": "Modifiers" }, ln.modifiers.join(" ")));
      tr.appendChild(el("td", { "class": "kb-num", "data-label": "Paid at" },
        Math.round(ln.payment_factor * 100) + " %"));
      lineTable.appendChild(tr);
    });
    result.findings.forEach(function (f) {
      var li = el("li", { "class": "kb-finding kb-finding-" + f.severity, "data-rule": f.rule });
      var head = el("p", { "class": "kb-finding-head" });
      head.appendChild(el("span", { "class": "kb-sev kb-sev-" + f.severity }, f.severity));
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("code", {}, f.rule));
      if (f.lines.length) {
        head.appendChild(document.createTextNode(" \u00b7 line" + (f.lines.length > 1 ? "s " : " ") +
          f.lines.map(function (i) { return (i + 1) + " (" + visit.lines[i].code + ")"; }).join(", ")));
      }
      li.appendChild(head);
      li.appendChild(el("p", {}, f.message));
      if (f.fix) li.appendChild(el("p", { "class": "kb-finding-fix" }, "Fix: " + f.fix));
      if (f.sources.length) {
        var p = el("p", { "class": "kb-finding-src" }, "Source: ");
        f.sources.forEach(function (src, i) {
          if (i) p.appendChild(document.createTextNode("; "));
          p.appendChild(sourceLink(src));
        });
        li.appendChild(p);
      }
      findingsList.appendChild(li);
    });
  }

  async function run() {
    var visit = window.kbCalc.readVisit();
    if (!visit.lines.length) {
      output.hidden = true;
      status.textContent = "Choose a code first.";
      return;
    }
    button.disabled = true;
    status.textContent = loaded ? "Checking\u2026" :
      "Loading the checker (about 14 MB, once; later checks are instant)\u2026";
    root.setAttribute("data-check", "running");
    try {
      var results = await checkMany([visit]);
      loaded = true;
      status.textContent = "";
      show(results[0], visit);
      root.setAttribute("data-check", "done");
    } catch (err) {
      status.textContent = "The visit check could not start in this browser or this build (" + err.message +
        "). The same check runs from the command line: kb check visit.yaml";
      root.setAttribute("data-check", "failed");
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", run);
  // once loaded, the check follows the form as the unit count does
  root.addEventListener("kb-calc-change", function () { if (loaded) run(); });
})();
