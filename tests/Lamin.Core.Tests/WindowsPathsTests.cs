using Lamin.Core.Errors;
using Lamin.Core.Roots;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// A Windows machine as the tests describe it: which long paths exist (their case on disk), their 8.3
/// short names, mapped drives, per-drive current locations and sharing violations.
/// </summary>
public sealed class FakeWindowsPathSystem : IWindowsPathSystem
{
    /// <summary>Existing paths in their case on disk, e.g. @"C:\Program Files\Lab".</summary>
    public List<string> Existing { get; } = [];

    /// <summary>Short name → long name, per segment (e.g. "PROGRA~1" → "Program Files").</summary>
    public Dictionary<string, string> ShortNames { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<char, string> MappedDrives { get; } = [];
    public Dictionary<char, string> DriveCurrentDirectories { get; } = [];
    public List<string> Restricted { get; } = [];

    /// <summary>
    /// As <see cref="Win32PathSystem.GetLongPathName"/>: 8.3 names expanded (GetLongPathNameW), each segment below the
    /// root in its case on disk; the root itself ("C:", "\\server\share") is kept as typed, as Win32 keeps it.
    /// </summary>
    public string? GetLongPathName(string path)
    {
        var segments = path.Split('\\');
        var expanded = string.Join('\\', segments.Select(s => ShortNames.TryGetValue(s, out var l) ? l : s));
        var found = Existing.FirstOrDefault(e => string.Equals(e, expanded, StringComparison.OrdinalIgnoreCase)
                                                 || string.Equals(e + "\\", expanded, StringComparison.OrdinalIgnoreCase));
        if (found is null || !path.StartsWith(@"\\", StringComparison.Ordinal)) return found;
        var typedRoot = string.Join('\\', segments.Take(4)); // "", "", server, share
        return typedRoot + found[Math.Min(typedRoot.Length, found.Length)..];
    }

    public string? GetMappedDriveTarget(char driveLetter) =>
        MappedDrives.TryGetValue(char.ToUpperInvariant(driveLetter), out var unc) ? unc : null;

    public string? GetDriveCurrentDirectory(char driveLetter) =>
        DriveCurrentDirectories.TryGetValue(char.ToUpperInvariant(driveLetter), out var d) ? d : null;

    public bool IsSharingViolation(Exception e) => e is IOException && (e.HResult & 0xFFFF) is 32 or 33;

    public void RestrictToOwner(string path) => Restricted.Add(path);
}

/// <summary>Windows roots reduced to one canonical form, on every OS (SPEC §11).</summary>
[Trait("Platform", "Windows")]
public class WindowsPathsTests
{
    private const string Cwd = @"C:\Users\ada\work";

    [Theory]
    [InlineData(@"\lab", @"C:\lab")]
    [InlineData(@"\lab\raw\", @"C:\lab\raw")]
    [InlineData(@"lab", @"C:\Users\ada\work\lab")]
    [InlineData(@"..\lab", @"C:\Users\ada\lab")]
    [InlineData(@".\lab\.\x", @"C:\Users\ada\work\lab\x")]
    public void Drive_relative_and_relative_roots_resolve_against_the_current_location(string typed, string expected)
    {
        Assert.Equal(expected, WindowsPaths.Canonicalize(typed, Cwd));
        Assert.True(WindowsPaths.IsDriveRelative(typed));
    }

    [Fact]
    public void C_colon_lab_resolves_against_the_current_location_on_that_drive()
    {
        Assert.Equal(@"C:\Users\ada\work\lab", WindowsPaths.Canonicalize("C:lab", Cwd));
        var fake = new FakeWindowsPathSystem();
        fake.DriveCurrentDirectories['D'] = @"D:\projects";
        Assert.Equal(@"D:\projects\lab", WindowsPaths.Canonicalize("d:lab", Cwd, fake));
        Assert.Equal(@"E:\lab", WindowsPaths.Canonicalize("E:lab", Cwd, fake));
        Assert.Equal(@"D:\projects", WindowsPaths.Canonicalize("D:", Cwd, fake));
    }

    [Fact]
    public void A_rooted_root_on_a_UNC_current_location_stays_on_that_share()
    {
        Assert.Equal(@"\\nas\team\lab", WindowsPaths.Canonicalize(@"\lab", @"\\nas\team\projects\a"));
        Assert.Equal(@"\\nas\team\projects\a\lab", WindowsPaths.Canonicalize("lab", @"\\nas\team\projects\a"));
    }

    [Theory]
    [InlineData(@"\\server\share\x", @"\\server\share\x")]
    [InlineData(@"\\server\share\x\", @"\\server\share\x")]
    [InlineData(@"\\server\share", @"\\server\share")]
    [InlineData("//server/share/x/y", @"\\server\share\x\y")]
    public void UNC_roots_work(string typed, string expected)
    {
        Assert.Equal(expected, WindowsPaths.Canonicalize(typed, Cwd));
        Assert.False(WindowsPaths.IsDriveRelative(typed));
    }

    [Theory]
    [InlineData(@"\\server")]
    [InlineData(@"\\server\")]
    [InlineData(@"\\")]
    public void A_UNC_root_without_a_share_is_InvalidRoot(string typed)
    {
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => WindowsPaths.Canonicalize(typed, Cwd));
    }

    [Theory]
    [InlineData(@"\\?\C:\lab", @"C:\lab")]
    [InlineData(@"\\?\UNC\server\share\lab", @"\\server\share\lab")]
    [InlineData(@"\\.\C:\lab", @"C:\lab")]
    [InlineData(@"\??\C:\lab", @"C:\lab")]
    public void The_long_path_and_device_prefixes_are_one_root_with_the_plain_form(string typed, string expected)
    {
        Assert.Equal(expected, WindowsPaths.Canonicalize(typed, Cwd));
    }

    [Theory]
    [InlineData(@"C:\lab.", @"C:\lab")]
    [InlineData(@"C:\lab. . ", @"C:\lab")]
    [InlineData(@"C:\lab.\raw", @"C:\lab\raw")]
    [InlineData(@"C:\lab\...", @"C:\lab")]
    public void Trailing_dots_and_spaces_are_dropped_as_Win32_drops_them(string typed, string expected)
    {
        Assert.Equal(expected, WindowsPaths.Canonicalize(typed, Cwd));
    }

    [Fact]
    public void The_drive_letter_is_upper_case_and_slashes_are_backslashes()
    {
        Assert.Equal(@"C:\lab\raw", WindowsPaths.Canonicalize("c:/lab/raw/", Cwd));
        Assert.Equal(@"E:\", WindowsPaths.Canonicalize("e:/", Cwd));
        Assert.Equal(@"E:\", WindowsPaths.Canonicalize(@"E:\..", Cwd));
    }

    [Fact]
    public void Short_names_and_the_typed_case_become_the_names_on_disk()
    {
        var fake = new FakeWindowsPathSystem();
        fake.Existing.Add(@"C:\Program Files\Lab Data");
        fake.ShortNames["PROGRA~1"] = "Program Files";
        fake.ShortNames["LABDAT~1"] = "Lab Data";
        Assert.Equal(@"C:\Program Files\Lab Data", WindowsPaths.Canonicalize(@"c:\PROGRA~1\LABDAT~1", Cwd, fake));
        Assert.Equal(@"C:\Program Files\Lab Data", WindowsPaths.Canonicalize(@"C:\program files\lab data", Cwd, fake));
        Assert.Equal(@"C:\Program Files\Lab Data", WindowsPaths.Canonicalize(@"\\?\C:\PROGRA~1\lab data.", Cwd, fake));
    }

    [Fact]
    public void A_root_that_does_not_exist_yet_keeps_its_typed_tail_below_the_existing_part()
    {
        var fake = new FakeWindowsPathSystem();
        fake.Existing.Add(@"D:\Shared");
        Assert.Equal(@"D:\Shared\new\Lab", WindowsPaths.Canonicalize(@"d:\shared\new\Lab", Cwd, fake));
    }

    [Fact]
    public void A_mapped_drive_and_its_UNC_share_are_one_root()
    {
        var fake = new FakeWindowsPathSystem();
        fake.MappedDrives['Z'] = @"\\nas\team";
        var viaDrive = WindowsPaths.Canonicalize(@"z:\lab", Cwd, fake);
        var viaUnc = WindowsPaths.Canonicalize(@"\\nas\team\lab", Cwd, fake);
        Assert.Equal(@"\\nas\team\lab", viaDrive);
        Assert.Equal(viaUnc, viaDrive);
        Assert.Equal(@"\\nas\team", WindowsPaths.Canonicalize(@"Z:\", Cwd, fake));
    }

    [Fact]
    public void The_same_folder_typed_five_ways_is_one_location()
    {
        var fake = new FakeWindowsPathSystem();
        fake.Existing.Add(@"\\nas\team\Lab");
        fake.MappedDrives['Z'] = @"\\nas\team";
        var forms = new[] { @"z:\lab", @"Z:\LAB.", @"\\?\UNC\nas\team\lab", "file://nas/team/lab", @"\\NAS\TEAM\lab\" };
        var canonical = forms.Select(f => WindowsPaths.Canonicalize(f, Cwd, fake)).ToList();
        Assert.All(canonical, c => Assert.True(FileSystemRules.Windows.Equals(@"\\nas\team\Lab", c), c));
    }

    [Theory]
    [InlineData("file:///C:/lab%20data/raw", @"C:\lab data\raw")]
    [InlineData("file://localhost/C:/lab", @"C:\lab")]
    [InlineData("file:///c|/lab", @"C:\lab")]
    [InlineData("file://C:/lab", @"C:\lab")]
    [InlineData("file://server/share/my%20lab", @"\\server\share\my lab")]
    [InlineData("FILE:///D:/x%23y", @"D:\x#y")]
    public void File_URIs_are_read_as_URIs(string uri, string expected)
    {
        Assert.Equal(expected, WindowsPaths.Canonicalize(uri, Cwd));
    }

    [Fact]
    public void A_file_URI_that_decodes_to_control_characters_is_InvalidRoot()
    {
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => WindowsPaths.Canonicalize("file:///C:/a%00b", Cwd));
    }

    [Fact]
    public void A_whole_drive_root_gives_keys_without_a_lost_character()
    {
        var root = WindowsPaths.Canonicalize(@"E:", @"E:\");
        Assert.Equal(@"E:\", root);
        var path = WindowsPaths.Canonicalize(@"e:\data\x.csv", Cwd);
        Assert.Equal("data/x.csv", FileSystemRules.Windows.RelativeKey(path, root));
        // What ArtifactService does today (path[(root.Length + 1)..]) loses the 'd'.
        Assert.Equal("ata\\x.csv", path[(root.Length + 1)..]);
    }

    [Fact]
    public void The_real_path_system_answers_only_on_Windows()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.NotNull(Win32PathSystem.Instance.GetLongPathName(Path.GetTempPath()));
            return;
        }
        Assert.Throws<PlatformNotSupportedException>(() => Win32PathSystem.Instance.GetLongPathName(@"C:\"));
        Assert.Throws<PlatformNotSupportedException>(() => Win32PathSystem.Instance.GetMappedDriveTarget('Z'));
        Assert.Throws<PlatformNotSupportedException>(() => Win32PathSystem.Instance.RestrictToOwner(@"C:\x"));
    }

    [Fact]
    public void Sharing_and_lock_violations_are_told_apart_from_other_IO_errors()
    {
        var sharing = new IOException("in use", unchecked((int)0x80070020));
        var locked = new IOException("locked", unchecked((int)0x80070021));
        var full = new IOException("disk full", unchecked((int)0x80070070));
        Assert.True(Win32PathSystem.Instance.IsSharingViolation(sharing));
        Assert.True(Win32PathSystem.Instance.IsSharingViolation(locked));
        Assert.False(Win32PathSystem.Instance.IsSharingViolation(full));
        Assert.True(new FakeWindowsPathSystem().IsSharingViolation(sharing));
    }
}

/// <summary>file:// roots on Linux and macOS: decoded, a host is refused (Posix counterpart).</summary>
[Trait("Platform", "Posix")]
public class FileUrisPosixTests
{
    [Theory]
    [InlineData("file:///data/lab%20x", "/data/lab x")]
    [InlineData("file://localhost/data/x", "/data/x")]
    [InlineData("file:///", "/")]
    public void File_URIs_become_paths(string uri, string expected)
    {
        Assert.Equal(expected, FileUris.ToPosixPath(uri));
    }

    [Fact]
    public void A_file_URI_with_a_host_is_refused_on_Linux()
    {
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => FileUris.ToPosixPath("file://server/share/x"));
    }
}
