// The namespaces every cmdlet file uses: PowerShell's API and the core's records, services and errors.
global using System.Management.Automation;
global using Lamin.Core.Errors;
global using Lamin.Core.Model;
global using Lamin.Core.Services;
