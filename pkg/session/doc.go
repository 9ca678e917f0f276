// Package session owns a run from start to end, as OpenHTF's Test.execute
// does: it opens the target the options name (linux, a fixture tree or the
// simulator), loads the plan, claims the report directory, starts or
// resumes the journal, runs the table's stages into one record, publishes
// the report set and maps the outcome to an exit code. It also takes up a
// killed load test and answers its status. The CLI turns flags into
// Options and calls a Session; nothing else opens boards, journals or
// report directories.
package session
