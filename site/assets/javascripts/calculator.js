/* The unit calculator: counts units in the browser from the compiled knowledge base (data.js).
 *
 * kbCalc.units(payer, date, state, [[code, minutes], ...]) reproduces kb/units.py and
 * PayerView.explain_units step for step — the same rule picking (effective dates, state-limited
 * rules first), the same methods, tie-break, daily caps and wording. The browser tests run a few
 * hundred generated visits through it and compare with the Python API.
 *
 * Codes travel as [code, minutes] pairs, never as object keys: JavaScript orders integer-like keys
 * ("97112") numerically, Python keeps insertion order, and the order decides ties and wording.
 * Every text from the data goes into the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  var DATA = window.KB_CALC_DATA;
  var UNIT_MINUTES = 15;
  var MAX_MINUTES = 24 * 60;

  // -- rules in force (kb/rules.py) ---------------------------------------------------------

  function inForce(rule, day) {
    return (!rule.effective_from || rule.effective_from <= day) && (!rule.effective_to || day <= rule.effective_to);
  }

  function limited(rule) {
    return !!(rule.jurisdiction && rule.jurisdiction.length);
  }

  function appliesIn(rule, state) {
    return !limited(rule) || (!!state && rule.jurisdiction.indexOf(state) >= 0);
  }

  // The one rule in force for a visit on `day` in `state`: state-limited beats unlimited, then the later start.
  function pick(rules, day, state) {
    var best = null, bestLimited = -1, bestStart = "";
    rules.forEach(function (rule) {
      if (!inForce(rule, day) || !appliesIn(rule, state)) return;
      var lim = limited(rule) ? 1 : 0, start = rule.effective_from || "";
      if (best === null || lim > bestLimited || (lim === bestLimited && start > bestStart)) {
        best = rule; bestLimited = lim; bestStart = start;
      }
    });
    return best;
  }

  function byKey(rules, key) {
    return rules.filter(function (r) { return r.key === key; });
  }

  // -- the methods (kb/units.py) --------------------------------------------------------------

  function s(n) { return n !== 1 ? "s" : ""; }

  function unitsForMinutes(minutes, p) {
    if (minutes < p.minimum) return 0;
    return Math.floor((minutes + p.unit - p.minimum) / p.unit);
  }

  function band(units, p) {
    var low = p.minimum + (units - 1) * p.unit;
    return low + "-" + (low + p.unit - 1) + " minutes";
  }

  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  var METHODS = {
    "cms-total-time": function (timed, p) {
      var total = 0, units = {}, left = {}, minutes = {}, steps = [], tie = false;
      timed.forEach(function (t) { total += t[1]; minutes[t[0]] = t[1]; });
      var allowed = unitsForMinutes(total, p);
      var listing = timed.map(function (t) { return t[0] + " " + t[1]; }).join(" + ");
      if (allowed === 0) {
        timed.forEach(function (t) { units[t[0]] = 0; });
        return [units, ["Total timed minutes: " + listing + " = " + total + "; under " + p.minimum +
          " minutes, no timed unit can be billed."], false];
      }
      steps.push("Total timed minutes: " + listing + " = " + total + " minutes, which allows " + allowed + " unit" +
        s(allowed) + " (" + band(allowed, p) + ").");
      var full = 0;
      timed.forEach(function (t) {
        units[t[0]] = Math.floor(t[1] / p.unit);
        left[t[0]] = t[1] % p.unit;
        full += units[t[0]];
      });
      if (full) {
        steps.push("Full units first: " + timed.map(function (t) {
          return t[0] + " " + units[t[0]] + " (leftover " + left[t[0]] + " min)";
        }).join(", ") + " = " + full + ".");
      }
      var remaining = allowed - full;
      if (remaining) {
        // kb.units: with a cap that counts only some codes, a tied unit goes to a code the cap does not count
        var capList = (p.dailyCap !== null && p.dailyCap !== undefined && p.capCodes) ? p.capCodes : null;
        var inCap = function (c) { return capList && capList.indexOf(c) >= 0 ? 1 : 0; };
        var ranked = timed.map(function (t) { return t[0]; })
          .filter(function (c) { return left[c] > 0; })
          .sort(function (a, b) {
            return (left[b] - left[a]) || (inCap(a) - inCap(b)) || (minutes[b] - minutes[a]) || cmp(a, b);
          });
        var winners = ranked.slice(0, remaining);
        winners.forEach(function (c) { units[c] += 1; });
        steps.push(remaining + " unit" + s(remaining) + " left: to the largest leftover minutes: " +
          winners.map(function (c) { return c + " (" + left[c] + " min)"; }).join(", ") + ".");
        if (ranked.length > remaining) {
          var cut = ranked[remaining - 1];
          var losers = ranked.slice(remaining);
          var rivals = losers.filter(function (c) { return left[c] === left[cut]; });
          if (rivals.length) {
            tie = true;
            steps.push("Tie: " + [cut].concat(rivals).join(", ") + " have the same leftover (" + left[cut] +
              " min); the source lets the clinician choose. Broken here by " +
              (capList ? "codes the daily cap does not count, then " : "") +
              "more total minutes, then the lower code number: " + cut + ".");
          }
          if (losers.length) {
            steps.push("No unit for the leftover minutes of " + losers.map(function (c) {
              return c + " (" + left[c] + " min)";
            }).join(", ") + ": the total is used up (the minutes are still documented).");
          }
        }
      } else {
        steps.push("No units left over for leftover minutes.");
      }
      return [units, steps, tie];
    },

    "cpt-per-code-midpoint": function (timed, p) {
      var units = {};
      timed.forEach(function (t) { units[t[0]] = unitsForMinutes(t[1], p); });
      return [units, ["Each timed code is counted on its own minutes (a unit from " + p.minimum +
        " minutes, then every " + p.unit + "): " + timed.map(function (t) {
          return t[0] + " " + t[1] + " min -> " + units[t[0]];
        }).join(", ") + "."], false];
    },

    "whole-units": function (timed, p) {
      var units = {};
      timed.forEach(function (t) { units[t[0]] = Math.floor(t[1] / p.unit); });
      return [units, ["Only whole " + p.unit + "-minute units count, code by code: " + timed.map(function (t) {
        return t[0] + " " + t[1] + " min -> " + units[t[0]];
      }).join(", ") + "."], false];
    },

    "per-visit": function (timed, p) {
      var units = {}, total = 0;
      timed.forEach(function (t) { units[t[0]] = 0; total += t[1]; });
      if (total < p.minimum || !timed.length) {
        return [units, ["Timed minutes total " + total + ": under " + p.minimum + ", no visit unit."], false];
      }
      var top = timed.slice().sort(function (a, b) { return (b[1] - a[1]) || cmp(a[0], b[0]); })[0];
      units[top[0]] = 1;
      var same = timed.filter(function (t) { return t[1] === top[1]; }).length;
      return [units, ["One unit per visit whatever the minutes (" + total + " timed minutes): reported on " +
        top[0] + ", the service with the most minutes."], same > 1];
    }
  };

  // kb.units.count: the method, then the daily cap, per-code caps and untimed codes.
  function count(name, pairs, timedCodes, p, codeCaps) {
    var timed = pairs.filter(function (t) { return timedCodes[t[0]]; });
    var untimed = pairs.filter(function (t) { return !timedCodes[t[0]]; }).map(function (t) { return t[0]; });
    var minutes = {};
    timed.forEach(function (t) { minutes[t[0]] = t[1]; });
    var result = timed.length ? METHODS[name](timed, p) : [{}, [], false];
    var units = result[0], steps = result[1], tie = result[2];
    // the daily cap counts (and cuts) only the capped codes: every timed code unless the rule lists them
    var allCodes = !p.capCodes;
    var capped = timed.map(function (t) { return t[0]; }).filter(function (c) {
      return allCodes || p.capCodes.indexOf(c) >= 0;
    });
    var sum = capped.reduce(function (a, c) { return a + units[c]; }, 0);
    if (p.dailyCap !== null && p.dailyCap !== undefined && sum > p.dailyCap) {
      var over = sum - p.dailyCap, cuts = [];
      capped.slice().sort(function (a, b) { return (minutes[a] - minutes[b]) || cmp(a, b); })
        .forEach(function (c) {
          var take = Math.min(over, units[c]);
          if (take) { units[c] -= take; over -= take; cuts.push(c + " -" + take); }
        });
      steps.push("Daily cap of " + p.dailyCap + " " + (allCodes ? "timed units" : "units of the capped codes") +
        ": removed from the codes with the fewest minutes (" + cuts.join(", ") + ").");
    }
    codeCaps.forEach(function (cc) {
      var c = cc[0], cap = cc[1];
      if (Object.prototype.hasOwnProperty.call(units, c) && units[c] > cap) {
        steps.push(c + " is limited to " + cap + " unit" + s(cap) + " a day: " + units[c] + " -> " + cap + ".");
        units[c] = cap;
      }
    });
    untimed.forEach(function (c) { units[c] = 1; });
    if (untimed.length) {
      steps.push("Untimed: " + untimed.join(", ") + " \u2014 one unit each; their minutes do not count " +
        "toward the timed total.");
      codeCaps.forEach(function (cc) {
        if (untimed.indexOf(cc[0]) >= 0 && cc[1] < 1) units[cc[0]] = cc[1];
      });
    }
    return { units: pairs.map(function (t) { return [t[0], units[t[0]]]; }), steps: steps, tie: tie };
  }

  // -- PayerView.explain_units ------------------------------------------------------------------

  var CODES = {};
  (DATA ? DATA.codes : []).forEach(function (c) { CODES[c[0]] = c[1]; });
  var PAYERS = {};
  (DATA ? DATA.payers : []).forEach(function (p) { PAYERS[p.id] = p; });

  function fail(message, field) { return { error: message, field: field || null }; }

  // Units per code for one visit: {units: [[code, units]], steps, tie_broken, method, rule} or {error}.
  function units(payerId, day, state, pairs) {
    var payer = PAYERS[payerId];
    if (!payer) return fail("unknown payer '" + payerId + "'", "payer");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day || "")) return fail("choose a date of service", "date");
    state = state || null;
    var clean = [], seen = {};
    for (var i = 0; i < pairs.length; i++) {
      var code = String(pairs[i][0]), value = pairs[i][1];
      if (!CODES[code]) return fail("unknown code '" + code + "': not in the code catalogue", code);
      if (typeof value !== "number" || !isFinite(value) || Math.floor(value) !== value) {
        return fail("minutes must be a whole number, not " + value, code);
      }
      if (value < 0 || value > MAX_MINUTES) {
        return fail("minutes must be between 0 and " + MAX_MINUTES + ", not " + value, code);
      }
      if (Object.prototype.hasOwnProperty.call(seen, code)) {
        clean[seen[code]][1] = value;  // a Python dict keeps the first position and the last value
      } else {
        seen[code] = clean.length;
        clean.push([code, value]);
      }
    }
    var rule = pick(payer.unit_methods, day, state);
    if (!rule) return fail(payerId + " has no unit-counting method in force on " + day, "date");
    var codeRule = function (c) { return pick(byKey(payer.code_rules, c), day, state); };
    var timedCodes = {}, caps = [], used = [];
    clean.forEach(function (t) {
      var cr = codeRule(t[0]);
      var timed = (cr && cr.timed !== null && cr.timed !== undefined) ? cr.timed : CODES[t[0]].timed;
      if (timed) timedCodes[t[0]] = true;
      if (cr && cr.daily_cap !== null && cr.daily_cap !== undefined) caps.push([t[0], cr.daily_cap]);
      if (cr) used.push(cr);
    });
    var params = { unit: UNIT_MINUTES, minimum: rule.minimum_minutes || 8, dailyCap: rule.daily_cap,
      capCodes: rule.cap_codes || null };
    var counted = count(rule.method, clean, timedCodes, params, caps);
    var method = DATA.methods[rule.method];
    var since = { "earliest-evidence": "at least since", "assumed": "taken to be in force since" }[
      rule.effective_from_basis] || "in force since";
    var first = payer.name + " counts units by " + (method ? method.name : rule.method) + " (" + since + " " +
      (rule.effective_from || "None") + ").";
    return {
      payer: payerId, date: day, state: state, method: rule.method, minutes: clean, units: counted.units,
      steps: [first].concat(counted.steps), tie_broken: counted.tie, rule: rule, code_rules: used,
      mues: clean.map(function (t) { return [t[0], pick(byKey(payer.mues, t[0]), day, state)]; })
    };
  }

  window.kbCalc = { units: units, pick: pick, data: DATA };

  // -- the page ---------------------------------------------------------------------------------

  var root = document.getElementById("kb-calc");
  if (!root || !DATA) return;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  var payerSelect = document.getElementById("kb-calc-payer");
  var dateInput = document.getElementById("kb-calc-date");
  var stateSelect = document.getElementById("kb-calc-state");
  var lines = document.getElementById("kb-calc-lines");
  var results = document.getElementById("kb-calc-results");
  var total = document.getElementById("kb-calc-total");
  var stepsList = document.getElementById("kb-calc-steps");
  var message = document.getElementById("kb-calc-message");
  var basis = document.getElementById("kb-calc-basis");
  var share = document.getElementById("kb-calc-link");
  var planSelect = document.getElementById("kb-calc-plan");
  var ytdInput = document.getElementById("kb-calc-ytd");
  var site = root.getAttribute("data-site") || "../";

  DATA.payers.forEach(function (p) { payerSelect.appendChild(el("option", { value: p.id }, p.name)); });
  DATA.states.forEach(function (st) { stateSelect.appendChild(el("option", { value: st }, st)); });

  // One line of the visit: code and minutes (what the unit count needs), then what the visit check also reads.
  function addLine(code, minutes, extra) {
    extra = extra || {};
    var tr = el("tr", { "class": "kb-calc-line" });
    var select = el("select", { "aria-label": "Code", "class": "kb-calc-code" });
    select.appendChild(el("option", { value: "" }, "choose a code"));
    DATA.codes.forEach(function (c) {
      var label = c[0] + " \u2014 " + c[1].summary + (c[1].timed ? "" : " (untimed)");
      select.appendChild(el("option", { value: c[0] }, label));
    });
    select.value = code && CODES[code] ? code : "";
    function field(cls, label, value, attrs) {
      var input = el("input", Object.assign({ "aria-label": label, "class": cls, placeholder: attrs.placeholder || "" },
        attrs.type === "text" ? { type: "text" } : { type: "number", min: "0", step: "1", inputmode: "numeric" },
        attrs.max ? { max: attrs.max } : {}));
      if (value !== undefined && value !== null && value !== "") input.value = String(value);
      input.addEventListener("input", update);
      return input;
    }
    var cells = [
      ["Code", select],
      ["Minutes", field("kb-calc-minutes", "Minutes", minutes, { max: String(MAX_MINUTES), placeholder: "minutes" })],
      ["Units billed", field("kb-calc-billed", "Units billed", extra.units, { placeholder: "units" })],
      ["Modifiers", field("kb-calc-mods", "Modifiers", extra.modifiers, { type: "text", placeholder: "GP 59" })],
      ["Assistant minutes", field("kb-calc-assistant", "Assistant minutes", extra.assistant,
        { max: String(MAX_MINUTES), placeholder: "PTA/OTA min" })]
    ];
    select.addEventListener("change", update);
    cells.forEach(function (c) {
      var td = el("td", { "data-label": c[0] });
      td.appendChild(c[1]);
      tr.appendChild(td);
    });
    var remove = el("button", { type: "button", "class": "kb-calc-remove", "aria-label": "Remove this code" }, "\u00d7");
    remove.addEventListener("click", function () { tr.remove(); update(); });
    var td = el("td", { "class": "kb-calc-remove-cell" });
    td.appendChild(remove);
    tr.appendChild(td);
    lines.appendChild(tr);
    return tr;
  }

  // The visit as kb check reads it. Numbers stay text when they are not whole numbers, so the checker
  // (not this page) says what is wrong with them, with the field.
  function number(raw) { return /^\d+$/.test(raw) ? Number(raw) : raw; }

  function readVisit() {
    var visit = { payer: payerSelect.value, date: dateInput.value, lines: [] };
    if (stateSelect.value) visit.state = stateSelect.value;
    if (planSelect && planSelect.value) visit.plan_of_care = planSelect.value;
    var ytd = ytdInput ? ytdInput.value.trim().replace(/[$,]/g, "") : "";
    if (ytd !== "") visit.ytd_allowed = /^\d+(\.\d+)?$/.test(ytd) ? Number(ytd) : ytd;
    Array.prototype.forEach.call(lines.querySelectorAll("tr.kb-calc-line"), function (tr) {
      var code = tr.querySelector(".kb-calc-code").value;
      if (!code) return;
      var line = { code: code };
      var minutes = tr.querySelector(".kb-calc-minutes").value.trim();
      var billed = tr.querySelector(".kb-calc-billed").value.trim();
      var mods = tr.querySelector(".kb-calc-mods").value.trim().toUpperCase();
      var assistant = tr.querySelector(".kb-calc-assistant").value.trim();
      if (minutes !== "") line.minutes = number(minutes);
      if (billed !== "") line.units = number(billed);
      if (mods) line.modifiers = mods.split(/[\s,;\-]+/).filter(Boolean);
      if (assistant !== "") line.assistant_minutes = number(assistant);
      visit.lines.push(line);
    });
    return visit;
  }
  window.kbCalc.readVisit = readVisit;

  function readLines() {
    var pairs = [], problems = [];
    Array.prototype.forEach.call(lines.querySelectorAll("tr.kb-calc-line"), function (tr) {
      var code = tr.querySelector("select").value, raw = tr.querySelector(".kb-calc-minutes").value.trim();
      if (!code) return;
      if (raw === "") { pairs.push([code, 0]); return; }
      var n = Number(raw);
      if (!/^\d+$/.test(raw)) problems.push(code + ": minutes must be a whole number, not " + raw);
      pairs.push([code, n]);
    });
    return { pairs: pairs, problems: problems };
  }

  // The address holds the visit: payer, date, state, plan, ytd, then code=minutes; a line's billed units,
  // modifiers and assistant minutes follow as units.CODE, mods.CODE and asst.CODE.
  var EXTRA = { "units.": "units", "mods.": "modifiers", "asst.": "assistant" };
  var VISIT_KEYS = ["payer", "date", "state", "plan", "ytd"];

  function writeQuery() {
    var q = new URLSearchParams();
    q.set("payer", payerSelect.value);
    q.set("date", dateInput.value);
    if (stateSelect.value) q.set("state", stateSelect.value);
    if (planSelect && planSelect.value) q.set("plan", planSelect.value);
    if (ytdInput && ytdInput.value.trim()) q.set("ytd", ytdInput.value.trim());
    Array.prototype.forEach.call(lines.querySelectorAll("tr.kb-calc-line"), function (tr) {
      var code = tr.querySelector(".kb-calc-code").value;
      if (!code) return;
      q.append(code, tr.querySelector(".kb-calc-minutes").value.trim() || "0");
      [["units.", ".kb-calc-billed"], ["mods.", ".kb-calc-mods"], ["asst.", ".kb-calc-assistant"]].forEach(function (f) {
        var v = tr.querySelector(f[1]).value.trim();
        if (v) q.append(f[0] + code, v);
      });
    });
    var url = location.pathname + "?" + q.toString();
    history.replaceState(null, "", url);
    share.setAttribute("href", url);
  }

  function sourceList(target, rule) {
    (rule.sources || []).forEach(function (src, i) {
      if (i) target.appendChild(document.createTextNode("; "));
      var label = (src.publisher ? src.publisher.split(" (")[0] + " \u00b7 " : "") + (src.section || src.title);
      if (src.url && /^https?:\/\//.test(src.url)) {
        var a = el("a", { href: src.url, rel: "noopener", title: src.title || "" }, label);
        target.appendChild(a);
      } else {
        target.appendChild(el("span", { title: src.title || "" }, label));
      }
    });
  }

  function grade(evidence) {
    return el("span", { "class": "kb-ev kb-ev-" + (evidence || "unknown") }, evidence || "no grade");
  }

  function update() {
    var read = readLines();
    writeQuery();
    root.dispatchEvent(new Event("kb-calc-change"));
    results.textContent = ""; stepsList.textContent = ""; message.textContent = ""; basis.textContent = "";
    total.textContent = "";
    if (read.problems.length) { message.textContent = read.problems.join("; "); return; }
    if (!read.pairs.length) { message.textContent = "Choose a code and enter its minutes."; return; }
    var r = units(payerSelect.value, dateInput.value, stateSelect.value, read.pairs);
    if (r.error) { message.textContent = r.error; return; }
    var sum = 0;
    r.units.forEach(function (t, i) {
      var code = t[0], u = t[1], info = CODES[code];
      var tr = el("tr", { "data-code": code, "data-units": String(u) });
      var link = el("a", { href: site + "codes/" + encodeURIComponent(code) + "/" }, code);
      var td = el("td"); td.appendChild(link); tr.appendChild(td);
      tr.appendChild(el("td", {}, info.summary));
      tr.appendChild(el("td", { "class": "kb-num" }, String(r.minutes[i][1])));
      tr.appendChild(el("td", { "class": "kb-num kb-calc-units" }, String(u)));
      var mue = (r.mues.filter(function (m) { return m[0] === code; })[0] || [])[1];
      var warn = el("td");
      if (mue && u > mue.value) warn.textContent = "above the MUE of " + mue.value + " (MAI " + mue.mai + ")";
      tr.appendChild(warn);
      results.appendChild(tr);
      sum += u;
    });
    total.textContent = String(sum);
    r.steps.forEach(function (step) { stepsList.appendChild(el("li", {}, step)); });
    if (r.tie_broken) {
      message.textContent = "The minutes tie: the rules let you give the unit to either code. The result shows one " +
        "allowed answer; the steps say which codes tied.";
    }
    var payer = PAYERS[r.payer];
    basis.appendChild(document.createTextNode("Rule: "));
    basis.appendChild(el("a", { href: site + "payers/" + encodeURIComponent(r.payer) + "/#units" },
      payer.name + ", " + (DATA.methods[r.method] || { name: r.method }).name));
    basis.appendChild(document.createTextNode(", in force from " + (r.rule.effective_from || "?") +
      (r.rule.effective_to ? " to " + r.rule.effective_to : "") +
      (r.rule.jurisdiction ? " (only in " + r.rule.jurisdiction.join(", ") + ")" : "") + " "));
    basis.appendChild(grade(r.rule.evidence));
    basis.appendChild(document.createTextNode(" Sources: "));
    sourceList(basis, r.rule);
  }

  function readQuery() {
    var q = new URLSearchParams(location.search);
    var payer = q.get("payer");
    payerSelect.value = payer && PAYERS[payer] ? payer : (PAYERS.medicare ? "medicare" : DATA.payers[0].id);
    dateInput.value = /^\d{4}-\d{2}-\d{2}$/.test(q.get("date") || "") ? q.get("date") : today();
    stateSelect.value = q.get("state") && DATA.states.indexOf(q.get("state")) >= 0 ? q.get("state") : "";
    if (planSelect) planSelect.value = ["PT", "OT", "SLP"].indexOf(q.get("plan")) >= 0 ? q.get("plan") : "";
    if (ytdInput) ytdInput.value = q.get("ytd") || "";
    var unknown = [], extras = {}, order = [];
    q.forEach(function (value, key) {
      if (VISIT_KEYS.indexOf(key) >= 0) return;
      var prefix = Object.keys(EXTRA).filter(function (p) { return key.indexOf(p) === 0; })[0];
      if (prefix) {
        var code = key.slice(prefix.length);
        extras[code] = extras[code] || {};
        extras[code][EXTRA[prefix]] = value;
        return;
      }
      if (!CODES[key]) { unknown.push(key); return; }
      order.push([key, value]);
    });
    order.forEach(function (t) { addLine(t[0], t[1], extras[t[0]]); });
    if (!order.length) { addLine("", ""); addLine("", ""); }
    return unknown;
  }

  [payerSelect, dateInput, stateSelect, planSelect, ytdInput].filter(Boolean).forEach(function (node) {
    node.addEventListener("change", update);
    node.addEventListener("input", update);
  });
  document.getElementById("kb-calc-add").addEventListener("click", function () {
    addLine("", "").querySelector("select").focus();
  });
  var unknown = readQuery();
  update();
  if (unknown.length) {
    message.textContent = "Not in the code catalogue, left out: " + unknown.join(", ") + ". " + message.textContent;
  }
  root.setAttribute("data-ready", "true");
})();
