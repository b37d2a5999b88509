// Vite bundles a stylesheet imported for its side effect (`import "./stacks.css";`); TypeScript
// checks side-effect imports (noUncheckedSideEffectImports), so it is told what such a module is.
declare module "*.css";
