package spec

// Load reads and validates the spec file at path.
func Load(path string) (*Model, error) { panic("not implemented") }

// Parse parses and validates a spec whose text is src; path is used in error messages. On failure
// the error is an ErrorList holding every problem found, in file order.
func Parse(path string, src []byte) (*Model, error) { panic("not implemented") }
