/** The contract between the UI and the back end: schemas, inferred types, errors, the LabApi. */
export * from './api'
export * from './drills'
export * from './errors'
export * from './hosts'
export * from './operations'
export * from './snapshot'
export * from './terminals'
export * from './wire'
