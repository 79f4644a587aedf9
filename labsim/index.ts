/** labsim entry: see README.md. */
export {}
