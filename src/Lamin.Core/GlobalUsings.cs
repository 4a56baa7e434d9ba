// The core's own namespaces that most of its files use (as Lamin.PowerShell's GlobalUsings.cs does for the cmdlets).
global using Lamin.Core.Artifacts;
global using Lamin.Core.Errors;
global using Lamin.Core.Model;
global using Lamin.Core.Registry;
global using Lamin.Core.Roots;
global using Lamin.Core.Safety;
global using Lamin.Core.Storage;
