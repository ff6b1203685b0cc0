// Rogue's charts page, first part: the server inlines it in the page's
// head, where it runs before anything is laid out or any other script is
// loaded. It starts the request for the first window's data at once, so
// that the server reads the archives while the browser loads, compiles
// and runs uPlot and charts.js; charts.js takes the answer from
// window.rogueBoot.
"use strict";
(() => {
  performance.mark("rogue:boot");
  const meta = JSON.parse(document.getElementById("meta").textContent);
  // The range is in the address as #1h, #24h, #7d or #14d (charts.js
  // keeps it there); 24 h without one.
  const m = location.hash.match(/^#(\d+)([hd])$/);
  let range = m ? Number(m[1]) * (m[2] === "d" ? 86400 : 3600) : 0;
  if (!meta.ranges.includes(range)) range = 86400;
  const to = Math.floor(Date.now() / 1000);
  const from = to - range;
  // The plot width, worked out from the viewport's width and charts.css
  // rather than measured: the body at most 1400 px wide with 24 px
  // padding, columns of at least 560 px 12 px apart, sections with 12 px
  // padding, less 120 px for the axes (charts.js's guess before a chart
  // exists). The viewport's width comes from media queries, to 4 px:
  // innerWidth would lay the page out first, and the first layout, which
  // sets up the fonts, would hold the request up by tens of milliseconds.
  // charts.js checks px against the plots once they are drawn, and asks
  // again if it is off by more than a fifth.
  let lo = 0;
  let hi = 1400;
  if (matchMedia(`(min-width: ${hi}px)`).matches) lo = hi;
  while (hi - lo > 4) {
    const mid = (lo + hi) >> 1;
    if (matchMedia(`(min-width: ${mid}px)`).matches) lo = mid;
    else hi = mid;
  }
  const content = lo - 48;
  const cols = Math.max(1, Math.floor((content + 12) / 572));
  const column = Math.max(560, (content - 12 * (cols - 1)) / cols);
  const px = Math.max(1, Math.min(meta.maxPoints, Math.round(column - 24 - 120)));
  const url = `/api/charts?from=${from}&to=${to}&px=${px}`;
  const data = fetch(url, { cache: "no-store", credentials: "same-origin" }).then(async (r) => {
    if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.text()).trim()}`);
    return r.json();
  });
  data.catch(() => {}); // charts.js reports a failure; not an unhandled one
  window.rogueBoot = { meta, range, from, to, px, data };
})();
