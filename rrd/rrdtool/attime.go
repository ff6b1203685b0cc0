package rrdtool

// rrdtool's time and number syntax for `rogue rrd`: the AT-style time
// specification of rrd_parsetime (--start, --end, update's "time@values"),
// the suffixed durations of rrd_scaled_duration (--step, heartbeats, RRA
// steps and rows, --resolution) and rrdtool's own decimal parser. The
// grammar and its quirks follow rrdtool 1.7.2's documented behaviour
// (rrdfetch(1) "AT-STYLE TIME SPECIFICATION"), checked against the real
// rrdtool by the tests.

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// rrdTimeRef says what a parsed time specification is relative to.
type rrdTimeRef int

const (
	tsAbsolute rrdTimeRef = iota // a point in time (possibly now ± offset)
	tsStart                      // "start±offset": relative to the other end of a window
	tsEnd                        // "end±offset"
	tsEpoch                      // "epoch±offset", as rrdtool computes it
)

// cTm is C's struct tm: calendar fields that mktime normalises, so
// "the 35th of month 13" is a valid intermediate value. Year counts from
// 1900 and Mon from 0, as in C.
type cTm struct {
	Year, Mon, Mday, Hour, Min, Sec int
	Wday                            int // set only from a real time; stale after edits, as in C
	// IsDST is C's tm_isdst hint for mktime: -1 lets mktime decide, 0 or 1
	// (left by localtime) makes it read the fields in standard or summer
	// time, whichever the zone really has then. ZoneOffset is the UTC
	// offset in seconds that came with the hint.
	IsDST      int
	ZoneOffset int
}

// rrdTimeSpec is a parsed time specification: calendar fields plus an offset
// in seconds added after normalisation.
type rrdTimeSpec struct {
	Ref    rrdTimeRef
	TM     cTm
	Offset int64
}

// errRRDTimeRange is rrdtool's message for times mktime cannot represent.
var errRRDTimeRange = errors.New("the specified time is incorrect (out of range?)")

// rrdCalendarLimit bounds the calendar fields we hand to time.Date, whose
// arithmetic silently wraps far beyond what C's mktime accepts.
const rrdCalendarLimit = 1 << 31

// cLocaltime is C's localtime_r: the calendar fields of sec in loc.
func cLocaltime(sec int64, loc *time.Location) cTm {
	t := time.Unix(sec, 0).In(loc)
	_, off := t.Zone()
	dst := 0
	if t.IsDST() {
		dst = 1
	}
	return cTm{
		Year: t.Year() - 1900, Mon: int(t.Month()) - 1, Mday: t.Day(),
		Hour: t.Hour(), Min: t.Minute(), Sec: t.Second(), Wday: int(t.Weekday()),
		IsDST: dst, ZoneOffset: off,
	}
}

// cMktime is C's mktime: it normalises tm in loc and returns seconds since the epoch.
func cMktime(tm cTm, loc *time.Location) (int64, error) {
	for _, v := range []int{tm.Year, tm.Mon, tm.Mday, tm.Hour, tm.Min, tm.Sec} {
		if v >= rrdCalendarLimit || v <= -rrdCalendarLimit {
			return 0, errRRDTimeRange
		}
	}
	t := time.Date(1900+tm.Year, time.January+time.Month(tm.Mon), tm.Mday,
		tm.Hour, tm.Min, tm.Sec, 0, loc)
	if tm.IsDST >= 0 && t.IsDST() != (tm.IsDST == 1) {
		// The hint disagrees with the zone: like glibc, read the wall
		// clock with the offset of the hinted kind of time.
		_, off := t.Zone()
		return t.Unix() + int64(off-tm.ZoneOffset), nil
	}
	return t.Unix(), nil
}

// Seconds returns the time an absolute (or epoch-relative) specification
// stands for.
func (ts rrdTimeSpec) Seconds(loc *time.Location) (int64, error) {
	s, err := cMktime(ts.TM, loc)
	return s + ts.Offset, err
}

// rrdStartEnd turns a start and end specification into seconds, letting
// one be relative to the other ("end-1d", "start+2h"), with rrdtool's rules
// and messages (rrd_proc_start_end).
func rrdStartEnd(start, end rrdTimeSpec, loc *time.Location) (s, e int64, err error) {
	switch {
	case start.Ref == tsEnd && end.Ref == tsStart:
		return 0, 0, errors.New("the start and end times cannot be specified relative to each other")
	case start.Ref == tsStart:
		return 0, 0, errors.New("the start time cannot be specified relative to itself")
	case end.Ref == tsEnd:
		return 0, 0, errors.New("the end time cannot be specified relative to itself")
	}
	// relativeTo applies rel's calendar deltas to the wall-clock time of
	// base, then rel's offset in seconds.
	relativeTo := func(base int64, rel rrdTimeSpec) (int64, error) {
		tm := cLocaltime(base, loc)
		tm.Mday += rel.TM.Mday
		tm.Mon += rel.TM.Mon
		tm.Year += rel.TM.Year
		v, err := cMktime(tm, loc)
		return v + rel.Offset, err
	}
	if start.Ref == tsEnd {
		if e, err = end.Seconds(loc); err != nil {
			return 0, 0, err
		}
		if s, err = relativeTo(e, start); err != nil {
			return 0, 0, err
		}
		return s, e, nil
	}
	if s, err = start.Seconds(loc); err != nil {
		return 0, 0, err
	}
	if end.Ref == tsStart {
		e, err = relativeTo(s, end)
	} else {
		e, err = end.Seconds(loc)
	}
	return s, e, err
}

// Tokens of the time specification scanner.
type tsTok int

const (
	tkEOF tsTok = iota
	tkMidnight
	tkNoon
	tkTeatime
	tkPM
	tkAM
	tkYesterday
	tkToday
	tkTomorrow
	tkNow
	tkStart
	tkEnd
	tkEpoch
	tkSeconds
	tkMinutes
	tkHours
	tkDays
	tkWeeks
	tkMonths
	tkYears
	tkMonthsMinutes // "m": months or minutes, guessed from context
	tkNumber
	tkPlus
	tkMinus
	tkDot
	tkColon
	tkSlash
	tkID
	tkJan // tkJan..tkDec are consecutive
	tkFeb
	tkMar
	tkApr
	tkMay
	tkJun
	tkJul
	tkAug
	tkSep
	tkOct
	tkNov
	tkDec
	tkSun // tkSun..tkSat are consecutive
	tkMon
	tkTue
	tkWed
	tkThu
	tkFri
	tkSat
)

// rrdTimeWords are the words recognised in the time reference part.
var rrdTimeWords = map[string]tsTok{
	"midnight": tkMidnight, "noon": tkNoon, "teatime": tkTeatime,
	"am": tkAM, "pm": tkPM, "tomorrow": tkTomorrow, "yesterday": tkYesterday,
	"today": tkToday, "now": tkNow, "n": tkNow, "start": tkStart, "s": tkStart,
	"end": tkEnd, "e": tkEnd, "epoch": tkEpoch,
	"jan": tkJan, "feb": tkFeb, "mar": tkMar, "apr": tkApr, "may": tkMay,
	"jun": tkJun, "jul": tkJul, "aug": tkAug, "sep": tkSep, "oct": tkOct,
	"nov": tkNov, "dec": tkDec, "january": tkJan, "february": tkFeb,
	"march": tkMar, "april": tkApr, "june": tkJun, "july": tkJul,
	"august": tkAug, "september": tkSep, "october": tkOct,
	"november": tkNov, "december": tkDec,
	"sunday": tkSun, "sun": tkSun, "monday": tkMon, "mon": tkMon,
	"tuesday": tkTue, "tue": tkTue, "wednesday": tkWed, "wed": tkWed,
	"thursday": tkThu, "thu": tkThu, "friday": tkFri, "fri": tkFri,
	"saturday": tkSat, "sat": tkSat,
}

// rrdTimeUnits are the words recognised in the offset part.
var rrdTimeUnits = map[string]tsTok{
	"second": tkSeconds, "seconds": tkSeconds, "sec": tkSeconds, "s": tkSeconds,
	"minute": tkMinutes, "minutes": tkMinutes, "min": tkMinutes, "m": tkMonthsMinutes,
	"hour": tkHours, "hours": tkHours, "hr": tkHours, "h": tkHours,
	"day": tkDays, "days": tkDays, "d": tkDays,
	"week": tkWeeks, "weeks": tkWeeks, "wk": tkWeeks, "w": tkWeeks,
	"month": tkMonths, "months": tkMonths, "mon": tkMonths,
	"year": tkYears, "years": tkYears, "yr": tkYears, "y": tkYears,
}

// rrdTimeParser holds the scanner and parser state for one specification.
type rrdTimeParser struct {
	src   string
	pos   int
	tok   string // text of the current token
	id    tsTok
	words map[string]tsTok
	loc   *time.Location
	tv    rrdTimeSpec

	op       tsTok // sign of the offset being parsed
	prevUnit tsTok // unit of the previous offset term, for guessing "m"
}

type tsScanState struct {
	pos int
	tok string
	id  tsTok
}

func (p *rrdTimeParser) save() tsScanState     { return tsScanState{p.pos, p.tok, p.id} }
func (p *rrdTimeParser) restore(s tsScanState) { p.pos, p.tok, p.id = s.pos, s.tok, s.id }
func rrdIsDigit(c byte) bool                   { return c >= '0' && c <= '9' }
func rrdIsAlpha(c byte) bool                   { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func (p *rrdTimeParser) rest() string          { return p.src[p.pos:] }

// fail returns a parse error with rrdtool's message.
func (p *rrdTimeParser) fail(f string, a ...any) error {
	return fmt.Errorf(f, a...)
}

// next scans the next token. Blanks, '_' and ',' separate tokens; any other
// unknown character ends the input (and stays unread, for error messages).
func (p *rrdTimeParser) next() tsTok {
	p.tok, p.id = "", tkEOF
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c != ' ' && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && c != '_' && c != ',' {
			break
		}
		p.pos++
	}
	if p.pos >= len(p.src) {
		return p.id
	}
	start := p.pos
	c := p.src[p.pos]
	p.pos++
	switch {
	case rrdIsDigit(c):
		for p.pos < len(p.src) && rrdIsDigit(p.src[p.pos]) {
			p.pos++
		}
		p.tok, p.id = p.src[start:p.pos], tkNumber
	case rrdIsAlpha(c):
		for p.pos < len(p.src) && rrdIsAlpha(p.src[p.pos]) {
			p.pos++
		}
		p.tok = p.src[start:p.pos]
		if id, ok := p.words[strings.ToLower(p.tok)]; ok {
			p.id = id
		} else {
			p.id = tkID
		}
	default:
		p.tok = string(c)
		switch c {
		case ':':
			p.id = tkColon
		case '.':
			p.id = tkDot
		case '+':
			p.id = tkPlus
		case '-':
			p.id = tkMinus
		case '/':
			p.id = tkSlash
		default:
			p.pos-- // junk: leave it for the error message
		}
	}
	return p.id
}

// cAtol is C's atol on a token of digits: saturating at the int64 range.
func cAtol(s string) int64 {
	var v int64
	for i := 0; i < len(s) && rrdIsDigit(s[i]); i++ {
		d := int64(s[i] - '0')
		if v > (math.MaxInt64-d)/10 {
			return math.MaxInt64
		}
		v = v*10 + d
	}
	return v
}

// cAtoi is C's atoi: atol truncated to a 32-bit int.
func cAtoi(s string) int { return int(int32(cAtol(s))) }

// parseRRDTime parses an AT-style time specification such as "now",
// "-1h", "end-1d", "s+2h", "1700000000", "noon yesterday", "20231114" or
// "12:30 20231114", relative to now in loc. Errors carry rrdtool's message
// (without the "start time: " prefix the caller adds).
func parseRRDTime(spec string, now time.Time, loc *time.Location) (rrdTimeSpec, error) {
	p := &rrdTimeParser{src: spec, words: rrdTimeWords, loc: loc, op: tkPlus, prevUnit: -1}
	p.tv.TM = cLocaltime(now.Unix(), loc)
	p.tv.TM.IsDST = -1 // mktime figures out summer time by itself
	hr := 0

	p.next()
	switch p.id {
	case tkPlus, tkMinus:
		// straight to the offset
	case tkEpoch, tkStart, tkEnd, tkNow:
		ref := p.id
		switch ref {
		case tkEpoch:
			p.tv.Ref = tsEpoch
		case tkStart:
			p.tv.Ref = tsStart
		case tkEnd:
			p.tv.Ref = tsEnd
		}
		if ref != tkNow {
			tm := &p.tv.TM
			tm.Year, tm.Mon, tm.Mday, tm.Hour, tm.Min, tm.Sec = 0, 0, 0, 0, 0, 0
		}
		p.next()
		if p.id == tkPlus || p.id == tkMinus {
			break
		}
		if ref != tkNow {
			return rrdTimeSpec{}, p.fail("'start' or 'end' MUST be followed by +|- offset")
		}
		if p.id != tkEOF {
			return rrdTimeSpec{}, p.fail("if 'now' is followed by a token it must be +|- offset")
		}
	case tkNumber:
		hourSv, yearSv := p.tv.TM.Hour, p.tv.TM.Year
		p.tv.TM.Hour, p.tv.TM.Year = 30, 30000 // markers: "not set by the spec"
		if err := p.timeOfDay(); err != nil {
			return rrdTimeSpec{}, err
		}
		if err := p.day(); err != nil {
			return rrdTimeSpec{}, err
		}
		if p.tv.TM.Hour == 30 && p.tv.TM.Year != 30000 {
			if err := p.timeOfDay(); err != nil {
				return rrdTimeSpec{}, err
			}
		}
		if p.tv.TM.Hour == 30 {
			p.tv.TM.Hour = hourSv
		}
		if p.tv.TM.Year == 30000 {
			p.tv.TM.Year = yearSv
		}
	case tkJan, tkFeb, tkMar, tkApr, tkMay, tkJun, tkJul, tkAug, tkSep, tkOct, tkNov, tkDec:
		if err := p.day(); err != nil {
			return rrdTimeSpec{}, err
		}
		if p.id == tkNumber {
			if err := p.timeOfDay(); err != nil {
				return rrdTimeSpec{}, err
			}
		}
	case tkTeatime, tkNoon, tkMidnight:
		switch p.id {
		case tkTeatime:
			hr = 16
		case tkNoon:
			hr = 12
		}
		p.tv.TM.Hour, p.tv.TM.Min, p.tv.TM.Sec = hr, 0, 0
		p.next()
		if err := p.day(); err != nil {
			return rrdTimeSpec{}, err
		}
	default:
		return rrdTimeSpec{}, p.fail("unparsable time: %s%s", p.tok, p.rest())
	}

	if p.id == tkPlus || p.id == tkMinus {
		p.words = rrdTimeUnits
		for p.id == tkPlus || p.id == tkMinus || p.id == tkNumber {
			var err error
			if p.id == tkNumber {
				err = p.offset(false)
			} else {
				err = p.offset(true)
			}
			if err != nil {
				return rrdTimeSpec{}, err
			}
			p.next()
		}
	}
	if p.id != tkEOF {
		return rrdTimeSpec{}, p.fail("unparsable trailing text: '...%s%s'", p.tok, p.rest())
	}
	if p.tv.Ref == tsAbsolute {
		s, err := cMktime(p.tv.TM, loc)
		if err != nil {
			return rrdTimeSpec{}, err
		}
		p.tv.TM = cLocaltime(s, loc) // normalised, as mktime leaves it
		p.tv.TM.IsDST = -1
	}
	return p.tv, nil
}

// offset parses one NUMBER UNIT term of the offset. With newOp the current
// token is the sign and a number must follow; otherwise the current token
// is a number continuing the previous sign ("-1d2h").
func (p *rrdTimeParser) offset(newOp bool) error {
	if newOp {
		p.op = p.id
		sign := byte('+')
		if p.op == tkMinus {
			sign = '-'
		}
		if p.next() != tkNumber {
			return p.fail("There should be number after '%c'", sign)
		}
		p.prevUnit = -1
	}
	delta := cAtoi(p.tok)
	unit := p.next()
	if unit == tkMonthsMinutes {
		switch p.prevUnit {
		case tkDays, tkWeeks, tkMonths, tkYears:
			unit = tkMonths
		case tkSeconds, tkMinutes, tkHours:
			unit = tkMinutes
		default:
			if delta < 6 { // who needs offsets below 6 minutes?
				unit = tkMonths
			} else {
				unit = tkMinutes
			}
		}
	}
	p.prevUnit = unit
	if p.op == tkMinus {
		delta = int(-int32(delta))
	}
	// The C code multiplies in int: keep its 32-bit wrap-around.
	secs := func(mult int32) int64 { return int64(int32(delta) * mult) }
	switch unit {
	case tkYears:
		p.tv.TM.Year += delta
	case tkMonths:
		p.tv.TM.Mon += delta
	case tkWeeks:
		p.tv.TM.Mday += int(int32(delta) * 7)
	case tkDays:
		p.tv.TM.Mday += delta
	case tkHours:
		p.tv.Offset += secs(3600)
	case tkMinutes:
		p.tv.Offset += secs(60)
	default: // seconds, also when no unit follows
		p.tv.Offset += int64(delta)
	}
	return nil
}

// timeOfDay parses HH[:MM][am|pm] at the current NUMBER token, if it is
// one; a number followed by '/' or '.' is a date and left alone.
func (p *rrdTimeParser) timeOfDay() error {
	if len(p.tok) > 2 {
		return nil
	}
	hour, minute := cAtoi(p.tok), 0
	saved := p.save()
	p.next()
	if p.id == tkSlash || p.id == tkDot {
		p.restore(saved)
		p.tok = fmt.Sprint(hour)
		return nil
	}
	if p.id == tkColon {
		if p.next() != tkNumber {
			return p.fail("Parsing HH:MM syntax, expecting MM as number, got none")
		}
		minute = cAtoi(p.tok)
		if minute > 59 {
			return p.fail("parsing HH:MM syntax, got MM = %d (>59!)", minute)
		}
		p.next()
	}
	switch {
	case p.id == tkAM || p.id == tkPM:
		if hour > 12 {
			return p.fail("there cannot be more than 12 AM or PM hours")
		}
		if p.id == tkPM && hour != 12 {
			hour += 12
		} else if p.id == tkAM && hour == 12 {
			hour = 0
		}
		p.next()
	case hour > 23:
		p.restore(saved)
		p.tok = fmt.Sprint(hour)
		return nil
	}
	p.tv.TM.Hour, p.tv.TM.Min, p.tv.TM.Sec = hour, minute, 0
	if p.tv.TM.Hour == 24 {
		p.tv.TM.Hour = 0
		p.tv.TM.Mday++
	}
	return nil
}

// assignDate sets the date, reading two-digit years as rrdtool does.
func (p *rrdTimeParser) assignDate(mday, mon, year int64) error {
	if year > 138 {
		if year > 1970 {
			year -= 1900
		} else {
			return p.fail("invalid year %d (should be either 00-99 or >1900)", year)
		}
	} else if year >= 0 && year < 38 {
		year += 100
	}
	if year < 70 {
		return p.fail("won't handle dates before epoch (01/01/1970), sorry")
	}
	if year >= rrdCalendarLimit || mday >= rrdCalendarLimit || mday <= -rrdCalendarLimit {
		return errRRDTimeRange
	}
	p.tv.TM.Mday, p.tv.TM.Mon, p.tv.TM.Year = int(mday), int(mon), int(year)
	return nil
}

// day parses the date part: yesterday/today/tomorrow, a month name with
// day and optional year, a weekday, seconds since the epoch, YYYYMMDD,
// MM/DD/[YY]YY or DD.MM.[YY]YY.
func (p *rrdTimeParser) day() error {
	year := int64(p.tv.TM.Year)
	switch p.id {
	case tkYesterday:
		p.tv.TM.Mday--
		p.next()
	case tkToday:
		p.next()
	case tkTomorrow:
		p.tv.TM.Mday++
		p.next()
	case tkJan, tkFeb, tkMar, tkApr, tkMay, tkJun, tkJul, tkAug, tkSep, tkOct, tkNov, tkDec:
		mon := int64(p.id - tkJan)
		if p.next() != tkNumber {
			return p.fail("the day of the month should follow month name")
		}
		mday := cAtol(p.tok)
		if p.next() == tkNumber {
			year = cAtol(p.tok)
			p.next()
		} else {
			year = int64(p.tv.TM.Year)
		}
		return p.assignDate(mday, mon, year)
	case tkSun, tkMon, tkTue, tkWed, tkThu, tkFri, tkSat:
		wday := int(p.id - tkSun)
		p.tv.TM.Mday += wday - p.tv.TM.Wday
		p.next()
	case tkNumber:
		var mday int64
		mon := cAtol(p.tok)
		switch {
		case mon > 10*365*24*60*60: // seconds since the epoch
			if mon > 1<<53 {
				return errRRDTimeRange
			}
			p.tv.TM = cLocaltime(mon, p.loc)
			p.next()
			return nil
		case mon > 19700101 && mon < 24000101: // YYYYMMDD
			t := p.tok + "\x00\x00\x00\x00\x00\x00\x00\x00"
			year = cAtol(t[0:4])
			mon = cAtol(t[4:6])
			mday = cAtol(t[6:8])
			p.next()
		default:
			p.next()
			if mon <= 31 && (p.id == tkSlash || p.id == tkDot) {
				sep := p.id
				what, sc := "day", byte('/')
				if sep == tkDot {
					what, sc = "month", '.'
				}
				if p.next() != tkNumber {
					return p.fail("there should be %s number after '%c'", what, sc)
				}
				mday = cAtol(p.tok)
				if p.next() == sep {
					if p.next() != tkNumber {
						return p.fail("there should be year number after '%c'", sc)
					}
					year = cAtol(p.tok)
					p.next()
				}
				if sep == tkDot { // DD.MM: European order
					mday, mon = mon, mday
				}
			}
		}
		mon--
		if mon < 0 || mon > 11 {
			return p.fail("did you really mean month %d?", mon+1)
		}
		if mday < 1 || mday > 31 {
			return p.fail("I'm afraid that %d is not a valid day of the month", mday)
		}
		return p.assignDate(mday, mon, year)
	}
	return nil
}

// rrdScaledDuration parses rrdtool's suffixed durations ("300", "5m", "1h",
// "2d", "1w", "1M" = 31 days, "1y" = 366 days). A bare number is a count
// and returned as is; a suffixed one is converted to seconds and divided by
// divisor, which must divide it. Only the first character of the suffix
// counts, as in rrdtool. Errors carry rrdtool's messages.
func rrdScaledDuration(s string, divisor uint64) (uint64, error) {
	if s == "" || !rrdIsDigit(s[0]) {
		return 0, errors.New("value must be (suffixed) positive number")
	}
	i := 0
	var v uint64
	overflow := false
	for i < len(s) && rrdIsDigit(s[i]) {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
		i++
	}
	if overflow {
		v = math.MaxUint64 // strtoul saturates
	}
	var mult uint64 = 1
	if i == len(s) {
		divisor = 0 // a count: no scaling
	} else {
		switch s[i] {
		case 's':
		case 'm':
			mult = 60
		case 'h':
			mult = 3600
		case 'd':
			mult = 86400
		case 'w':
			mult = 7 * 86400
		case 'M':
			mult = 31 * 86400
		case 'y':
			mult = 366 * 86400
		default:
			return 0, errors.New("value has trailing garbage")
		}
	}
	v *= mult // wraps like C's unsigned long
	if v == 0 {
		return 0, errors.New("value must be positive")
	}
	if divisor != 0 {
		if v%divisor != 0 {
			return 0, errors.New("value would truncate when scaled")
		}
		v /= divisor
	}
	return v, nil
}

// rrdFloatError is returned by parseRRDFloat for text that is not wholly a
// number; its message is rrdtool's, which callers prefix with context.
type rrdFloatError struct {
	Input string
	Value float64 // the part converted, when Rest != ""
	Rest  string
}

func (e *rrdFloatError) Error() string {
	if e.Rest == "" {
		return fmt.Sprintf("Cannot convert '%s' to float", e.Input)
	}
	return fmt.Sprintf("Converted '%s' to %f, but cannot convert '%s'", e.Input, e.Value, e.Rest)
}

// parseRRDFloat parses a whole string as rrdtool's rrd_strtodbl does:
// a number, or nan/-nan/inf/-inf (matched as case-insensitive prefixes).
func parseRRDFloat(s string) (float64, error) {
	v, n := rrd.ParseNumber(s)
	switch {
	case n == 0:
		ls := strings.ToLower(s)
		switch {
		case strings.HasPrefix(ls, "-nan"):
			return math.Float64frombits(0xfff8000000000000), nil // rrdtool's DNAN on x86
		case strings.HasPrefix(ls, "nan"):
			return math.Float64frombits(0x7ff8000000000000), nil
		case strings.HasPrefix(ls, "inf"):
			return math.Inf(1), nil
		case strings.HasPrefix(ls, "-inf"):
			return math.Inf(-1), nil
		}
		return 0, &rrdFloatError{Input: s}
	case n < len(s):
		return v, &rrdFloatError{Input: s, Value: v, Rest: s[n:]}
	}
	return v, nil
}
