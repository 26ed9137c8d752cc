/* Accessibility fixes on top of Material (axe-core runs over every page template in the browser tests):
 * - the search dialog gets a name;
 * - a table box or code sample that scrolls sideways can be reached and scrolled with the keyboard;
 * - landmarks of one kind (table boxes, code samples' button bars) get names of their own. */
(function () {
  "use strict";

  // the text of a heading without its permalink mark
  function headingText(h) {
    var copy = h.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll(".headerlink"), function (a) { a.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  // Landmarks of one kind need names of their own (axe: landmark-unique): a table box is named after the heading
  // above it, numbered when a heading has several.
  function uniqueName(used, name) {
    var n = (used[name] || 0) + 1;
    used[name] = n;
    return n === 1 ? name : name + " (" + n + ")";
  }

  function fix() {
    var search = document.querySelector(".md-search[role='dialog']");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search this site");
    var heading = "", used = {};
    var parts = document.querySelectorAll(".md-typeset h1, .md-typeset h2, .md-typeset h3, .md-typeset h4, " +
                                          ".md-typeset__scrollwrap");  // in document order
    Array.prototype.forEach.call(parts, function (box) {
      if (!box.classList.contains("md-typeset__scrollwrap")) { heading = headingText(box); return; }
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", uniqueName(used, "Table" + (heading ? " under “" + heading + "”" : "") +
                                                        " (scrolls sideways)"));
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
    // a code sample wider than its box scrolls: keyboard users need to reach it too
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset pre > code"), function (code) {
      if (code.scrollWidth > code.clientWidth + 1) code.setAttribute("tabindex", "0");
    });
    // Material puts each code sample's copy button in a <nav>: name each, as above
    Array.prototype.forEach.call(document.querySelectorAll("nav.md-code__nav"), function (nav, i) {
      nav.setAttribute("aria-label", "Code sample " + (i + 1));
    });
    document.documentElement.setAttribute("data-kb-a11y", "ready");
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(fix);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fix);
  } else {
    fix();
  }
  window.addEventListener("resize", fix);
})();
