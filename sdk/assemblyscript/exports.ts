// The ABI exports a module entry file re-exports: export * from "@sluice/sdk/exports";
export * from "./assembly/exports";
