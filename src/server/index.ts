export { startTokenService, type TokenService, type TokenServiceOptions } from './service.ts';
export { createAuditLog, type AuditLog, type AuditLogOptions } from './audit.ts';
export { authorizationServerMetadata, ENDPOINTS } from './metadata.ts';
