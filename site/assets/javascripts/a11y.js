/* Accessibility fixes on top of Material (axe-core runs over every page template in the browser tests):
 * - the search dialog gets a name;
 * - a table box or code sample that scrolls sideways can be reached and scrolled with the keyboard. */
(function () {
  "use strict";

  function fix() {
    var search = document.querySelector(".md-search[role='dialog']");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search this site");
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset__scrollwrap"), function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Table (scrolls sideways)");
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
