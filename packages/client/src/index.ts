export {
  algorithmForKey,
  generateKeyPair,
  type KeyPairPem,
  type SigningAlgorithm,
  signToken,
  type TokenOptions,
} from './token.js';
