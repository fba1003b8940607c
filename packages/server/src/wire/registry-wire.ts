/** The registry encoders live in `@orrery/protocol` (shared with the REST client); re-exported for the server's routes. */
export { modelVersionToWire, registeredModelToWire } from '@orrery/protocol';
