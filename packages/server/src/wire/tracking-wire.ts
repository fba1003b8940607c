/** The tracking encoders live in `@orrery/protocol` (shared with the REST client); re-exported for the server's routes. */
export {
  datasetInputToWire,
  experimentToWire,
  fileInfoToWire,
  metricToWire,
  paramToWire,
  runInfoToWire,
  runMetricToWire,
  runTagToWire,
  runToWire,
  wireDouble,
} from '@orrery/protocol';
