// The VictorAuthorization module; its API is added in its own source files.
