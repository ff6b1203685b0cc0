// Package tray is Rogue's menu: the status item in the macOS menu bar or the
// Linux tray (StatusNotifierItem, through fyne.io/systray) and the menu under
// it.
//
// The package is presentation only. It owns no state and does no I/O of its
// own: [Render] is a pure function from a [State] snapshot to the labels of
// every menu entry, and [Menu] runs one event loop that reads the state
// through the [App] interface, applies only the labels that changed, and turns
// clicks into calls on App.
//
// The tray library's calls may block on the UI thread, so nothing on a
// collection path calls them: collectors call [Menu.Refresh], a non-blocking
// send that asks the menu goroutine to rebuild.
//
// Opening the menu calls [Options.OnOpen] (macOS menuWillOpen:, dbusmenu's
// "opened" event on Linux), so that the app can take a fresh reading.
//
// The layout holds still: each metric row is its sparkline, its value in a
// column of fixed width ([FormatAligned]: figure and punctuation spaces) and
// its name, so rows keep their width as values change; every status line
// under an item always exists, and only messages and warnings, below Quit,
// come and go. Apps that add rows (a per-row mark: [Series.Mark]) or items
// should keep to that.
//
// Menu-item images are forced to 16×16 points by the tray library, too small
// for a chart, so sparklines are drawn with the Unicode block characters
// ▁▂▃▄▅▆▇█ in the item's title ([Sparkline]), and a step without data as a
// dotted baseline ([Gap]).
package tray
