package fit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// pyRepr formats x as Python's str(float) and f"{x}" do (repr, the shortest string that reads
// back as x): fixed notation with at least one decimal ("1.0", "0.0001") when the decimal
// exponent is in [-4, 16), else scientific with a two-digit exponent at least ("1e-05",
// "9.999999747378752e-06", "1e+16"); "nan", "inf" and "-inf".
func pyRepr(x float64) string {
	if s, ok := pySpecial(x); ok {
		return s
	}
	e := strconv.FormatFloat(x, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e // Go's shortest %e is Python's: "1e-05", "1.5e+16"
	}
	f := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.Contains(f, ".") {
		f += ".0"
	}
	return f
}

// pyFloat formats x as Python's format(x, ".{prec}{verb}") for verb f, e or g, which Go's
// strconv matches except for the names of NaN and the infinities.
func pyFloat(x float64, verb byte, prec int) string {
	if s, ok := pySpecial(x); ok {
		return s
	}
	return strconv.FormatFloat(x, verb, prec, 64)
}

func pySpecial(x float64) (string, bool) {
	switch {
	case math.IsNaN(x):
		return "nan", true
	case math.IsInf(x, 1):
		return "inf", true
	case math.IsInf(x, -1):
		return "-inf", true
	}
	return "", false
}

// pathTemplate is a ModelCheckpoint filepath parsed as a Python format string, the subset that
// Keras' filepath.format(epoch=epoch + 1, **logs) is used with: literal text ("{{" and "}}" for
// braces) and fields {name} or {name:spec}, name being epoch or a key of the epoch's logs, spec
// being [0][width][.precision][type] with type d (for epoch), f, e or g, or none. Anything else
// of Python's format language (fill and alignment, signs, grouping, conversions like !r,
// attributes and indexes) is refused when the template is parsed.
type pathTemplate struct {
	parts []pathPart
}

// pathPart is literal text, or a field when name is not empty.
type pathPart struct {
	text  string
	name  string
	log   monitor // the value of a field other than epoch
	zero  bool
	width int
	prec  int // -1 when absent
	verb  byte
}

// parsePathTemplate parses path for the logs of run r.
func parsePathTemplate(path string, r *Run) (pathTemplate, error) {
	var t pathTemplate
	var text strings.Builder
	bad := func(format string, args ...any) (pathTemplate, error) {
		return pathTemplate{}, fmt.Errorf("fit: ModelCheckpoint: filepath %q: %s", path, fmt.Sprintf(format, args...))
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c == '{' && i+1 < len(path) && path[i+1] == '{', c == '}' && i+1 < len(path) && path[i+1] == '}':
			text.WriteByte(c)
			i++
			continue
		case c == '}':
			return bad("single '}' encountered in format string (write }} for a brace)")
		case c != '{':
			text.WriteByte(c)
			continue
		}
		end := strings.IndexByte(path[i:], '}')
		if end < 0 {
			return bad("single '{' encountered in format string (write {{ for a brace)")
		}
		field := path[i+1 : i+end]
		i += end
		name, spec, hasSpec := strings.Cut(field, ":")
		p := pathPart{name: name, prec: -1}
		var err error
		if name != "epoch" {
			p.log, err = newMonitor("ModelCheckpoint", name, "max", 0, r)
		}
		switch {
		case name == "":
			return bad("a field without a name, {%s}: name it epoch or a key of the logs", field)
		case strings.ContainsAny(name, "{!.[] "):
			return bad("field {%s} is not supported: nngen formats {name} and {name:spec}, without conversions, attributes or indexes", field)
		case name == "batch":
			return bad("field {batch} needs save_freq in batches, which nngen does not implement: checkpoints are saved at the end of each epoch")
		case err != nil:
			return bad("no value named %q to format: the fields are epoch and the keys of the logs (%s)", name, strings.Join(allKeys(r), ", "))
		case !p.log.available && name != "epoch":
			return bad("{%s} is not in the logs without a validation set (Keras fails to format the path at the first epoch)", name)
		}
		if hasSpec {
			if err := p.parseSpec(spec); err != nil {
				return bad("field {%s}: %v", field, err)
			}
		}
		if name != "epoch" && p.verb == 'd' {
			return bad("field {%s}: unknown format code 'd' for a float (use f, e or g)", field)
		}
		if name == "epoch" && p.prec >= 0 && (p.verb == 'd' || p.verb == 0) {
			return bad("field {%s}: precision not allowed in an integer format (use {epoch:02d})", field)
		}
		if text.Len() > 0 {
			t.parts = append(t.parts, pathPart{text: text.String()})
			text.Reset()
		}
		t.parts = append(t.parts, p)
	}
	if text.Len() > 0 {
		t.parts = append(t.parts, pathPart{text: text.String()})
	}
	return t, nil
}

// parseSpec parses [0][width][.precision][type], type one of d, f, e, g.
func (p *pathPart) parseSpec(spec string) error {
	s := spec
	if strings.HasPrefix(s, "0") {
		p.zero = true
		s = s[1:]
	}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n > 0 {
		p.width, _ = strconv.Atoi(s[:n])
		s = s[n:]
	}
	if strings.HasPrefix(s, ".") {
		n = 1
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 1 {
			return fmt.Errorf("format spec %q: a precision needs digits after the '.'", spec)
		}
		p.prec, _ = strconv.Atoi(s[1:n])
		s = s[n:]
	}
	switch s {
	case "":
	case "d", "f", "e", "g":
		p.verb = s[0]
	default:
		return fmt.Errorf("format spec %q is not supported: nngen formats [0][width][.precision][type] with type d, f, e or g", spec)
	}
	if p.width > 255 || p.prec > 100 {
		return fmt.Errorf("format spec %q: width or precision too large", spec)
	}
	return nil
}

// format fills the template for the epoch h (numbered from 1, as Keras passes epoch + 1).
func (t *pathTemplate) format(h *Epoch) string {
	epoch := h.Epoch + 1
	var b strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.text)
			continue
		}
		var s string
		switch {
		case p.name == "epoch" && (p.verb == 0 || p.verb == 'd'):
			s = strconv.Itoa(epoch)
		case p.name == "epoch":
			s = p.float(float64(epoch))
		default:
			v, _ := p.log.value(h)
			s = p.float(v)
		}
		b.WriteString(pad(s, p.width, p.zero))
	}
	return b.String()
}

// float formats x by the part's type and precision; without a type, as Python's str.
func (p *pathPart) float(x float64) string {
	if p.verb == 0 {
		return pyRepr(x)
	}
	prec := p.prec
	if prec < 0 {
		prec = 6 // Python's default for f, e and g
	}
	return pyFloat(x, p.verb, prec)
}

// pad right-aligns s in width, with zeros after any sign when zero is set, as Python pads
// numbers.
func pad(s string, width int, zero bool) string {
	if len(s) >= width {
		return s
	}
	fill := width - len(s)
	if !zero {
		return strings.Repeat(" ", fill) + s
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	return sign + strings.Repeat("0", fill) + s
}
