package assets

import _ "embed"

// UPlotJS is uPlot (https://github.com/leeoniya/uPlot, MIT licence, see
// uplot/LICENSE), the chart library of the charts page: the released
// dist/uPlot.iife.min.js of the npm package, at the version in
// uplot/VERSION, checked against uplot/SHA256SUMS by
// scripts/fetch-uplot.sh.
//
//go:embed uplot/uPlot.iife.min.js
var UPlotJS []byte

// UPlotCSS is uPlot's stylesheet, dist/uPlot.min.css of the same release.
//
//go:embed uplot/uPlot.min.css
var UPlotCSS []byte

// UPlotVersion is the uPlot release embedded.
//
//go:embed uplot/VERSION
var UPlotVersion string
