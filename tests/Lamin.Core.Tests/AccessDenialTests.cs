using Lamin.Core.Errors;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>Issue 26 point 10: "permission denied" from the OS becomes StorageAccessDenied that says what to do.</summary>
public class AccessDenialTests
{
    [Fact]
    public void Permission_denied_maps_to_StorageAccessDenied_with_what_to_do()
    {
        var os = new UnauthorizedAccessException("Access to the path '/data/.lamindb/x' is denied.");
        var e = AccessDenial.From(os, "/data", "Add-LaminArtifact announced itself in /data");
        Assert.Equal(ErrorIds.StorageAccessDenied, e.ErrorId);
        Assert.Equal(LaminErrorCategory.PermissionDenied, e.Category);
        Assert.Equal("/data", e.Target);
        Assert.Same(os, e.InnerException);
        Assert.Contains(os.Message, e.Message);
        Assert.Contains("write permission", e.Message);
        Assert.Contains("read-only", e.Message);
    }
}
