// variant-name.js: the name of an activation or initializer as the configuration
// gives it: a name ("relu") or an object with its options ({type: "leaky_relu", alpha: 0.2}).
export const variantName = (v) => (typeof v === 'string' ? v : v?.type);
