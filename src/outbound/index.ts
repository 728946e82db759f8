export { isForbiddenAddress, isForbiddenLiteralUrl, literalAddressOf } from './address-policy';
export {
  DEFAULT_OUTBOUND_MAX_BYTES,
  DEFAULT_OUTBOUND_TIMEOUT_MS,
  OutboundError,
  type OutboundErrorKind,
  OutboundHttp,
  type OutboundHttpOptions,
  type OutboundRequest,
  type OutboundResponse,
  parseOutboundUrl,
} from './outbound-http';
