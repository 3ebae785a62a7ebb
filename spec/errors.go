package spec

// Error is one problem in a spec, at a position.
type Error struct {
	Path string
	Pos  Pos    // zero when the problem has no single place (an empty file)
	Msg  string // what is wrong and what would be right
}

// Error formats the problem as path:line:column: message.
func (e *Error) Error() string { panic("not implemented") }

// ErrorList is every problem found in one spec, in file order.
type ErrorList []*Error

// Error lists the problems one per line.
func (l ErrorList) Error() string { panic("not implemented") }
