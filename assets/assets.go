package assets

import _ "embed"

// Icon is the 48×48 colour PNG shown in Linux system trays.
//
//go:embed icon.png
var Icon []byte

// TemplateIcon is the 18×18 macOS status-bar template PNG: black with alpha,
// tinted by the system to suit the menu bar.
//
//go:embed template.png
var TemplateIcon []byte

// TemplateIcon2x is TemplateIcon at 36×36 for Retina displays. It is the
// one to give fyne.io/systray, which always draws the status-bar image at
// 16×16 points (32 pixels on a Retina display): downscaled, it stays sharp.
//
//go:embed template@2x.png
var TemplateIcon2x []byte

// AppIcon is the 256×256 colour app icon as PNG (the .desktop icon on Linux).
//
//go:embed rogue.png
var AppIcon []byte

// AnomalyIcon is Icon with a badge, shown while a metric is anomalous.
//
//go:embed icon-anomaly.png
var AnomalyIcon []byte

// AnomalyTemplateIcon is TemplateIcon with the anomaly badge.
//
//go:embed template-anomaly.png
var AnomalyTemplateIcon []byte

// AnomalyTemplateIcon2x is TemplateIcon2x with the anomaly badge.
//
//go:embed template-anomaly@2x.png
var AnomalyTemplateIcon2x []byte
