/** Renderer entry. */
export {}
