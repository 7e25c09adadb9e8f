package store

// PerformerRowOf is performerRow for the tests of package store_test.
var PerformerRowOf = performerRow
