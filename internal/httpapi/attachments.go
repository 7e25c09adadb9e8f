package httpapi

// attachmentRoutes registers the attachment endpoints (CONTRACT §7).
func (s *Server) attachmentRoutes() {}
