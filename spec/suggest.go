package spec

import (
	"fmt"
	"strings"
)

// synonyms are names Keras or habit suggest that the spec spells differently.
var synonyms = map[string]string{
	"mse":  "mean_squared_error",
	"acc":  "accuracy",
	"lr":   "learning_rate",
	"none": "linear",
}

// didYouMean returns ` (did you mean "x"?)` when word is close to one of the candidates, else "".
func didYouMean(word string, candidates []string) string {
	if s := suggestion(word, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// suggestion is the candidate closest to word (the same letters in another case, a known
// synonym, or one or two typing mistakes away), or "" when none is close.
func suggestion(word string, candidates []string) string {
	if len(word) > 64 {
		return ""
	}
	lower := strings.ToLower(word)
	best, bestDist := "", 3
	if len(lower) <= 4 {
		bestDist = 2
	}
	for _, c := range candidates {
		if c == synonyms[lower] {
			return c
		}
		if d := distance(lower, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == word {
		return ""
	}
	return best
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	// The rows live on the stack for the names a spec's keys are compared with (a few dozen
	// bytes): a hostile spec asks for a suggestion for every one of its unknown keys.
	var rows [2][64]int
	prev, cur := rows[0][:0], rows[1][:0]
	if len(b)+1 > len(rows[0]) {
		prev, cur = make([]int, 0, len(b)+1), make([]int, 0, len(b)+1)
	}
	prev, cur = prev[:len(b)+1], cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
