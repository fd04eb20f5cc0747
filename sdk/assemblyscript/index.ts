// Package entry for asc (it resolves "@sluice/sdk" to this file).
export * from "./assembly/index";
