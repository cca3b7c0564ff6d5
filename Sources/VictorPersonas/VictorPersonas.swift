// The VictorPersonas module; its API is added in its own source files.
