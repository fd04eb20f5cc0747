/**
 * Every limit and default of the SmartModule runtime, with its unit last and a one-line reason.
 */
export {};
