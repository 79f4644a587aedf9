/** Preload entry (built to one file). */
export {}
