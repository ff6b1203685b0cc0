// Package anomaly is Rogue's own streaming anomaly detector: one Detector
// per series, samples in, an anomaly likelihood out.
//
// A Detector is fed (time, value) samples in time order through Update and
// answers each with a score in [0, 1]. The score is a likelihood, not a
// distance: it is near 1 only when the recent behaviour of the series is
// improbable given its own history, so one threshold (Threshold) serves
// every series whatever its units, level or noise. A score depends only on
// the samples up to and including its own, the detector never sees the
// future (not even the range of the series), it is deterministic, uses a
// fixed amount of memory (see Detector.Size) and allocates nothing per
// sample. NaN samples are skipped without touching the state.
//
// The algorithm is documented in detail in the comment of algorithm.go.
package anomaly
