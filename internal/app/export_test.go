package app

// SetAfterPrepare runs f between preparing a change off the writer and
// writing it, so tests can change what the preparation read.
func SetAfterPrepare(s *Service, f func()) { s.afterPrepare = f }
