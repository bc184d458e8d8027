export { startTokenService, type TokenService, type TokenServiceOptions } from './service.ts';
export { authorizationServerMetadata, ENDPOINTS } from './metadata.ts';
