using Lamin.Core.Roots;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// The file-system rules under Windows (NTFS) rules, run on every OS (SPEC §11, issue 10): each test
/// asserts something the Windows rules change, beside the Posix answer for the same input.
/// </summary>
[Trait("Platform", "Windows")]
public class FileSystemRulesWindowsTests
{
    private static readonly FileSystemRules Win = FileSystemRules.Windows;
    private static readonly FileSystemRules Posix = FileSystemRules.Posix;

    [Fact]
    public void Keys_that_differ_only_in_case_are_one_file_on_NTFS()
    {
        Assert.True(Win.Equals("Data/x.csv", "data/x.csv"));
        Assert.False(Posix.Equals("Data/x.csv", "data/x.csv"));
        Assert.Equal(Win.Comparer.GetHashCode("Data/X.CSV"), Win.Comparer.GetHashCode("data/x.csv"));
    }

    [Fact]
    public void FindCollisions_groups_keys_from_S3_that_NTFS_cannot_tell_apart()
    {
        var keys = new[] { "Data/x.csv", "data/x.csv", "raw/y.csv", "DATA/X.csv", "raw/z.csv" };
        var groups = Win.FindCollisions(keys);
        var g = Assert.Single(groups);
        Assert.Equal(["Data/x.csv", "data/x.csv", "DATA/X.csv"], g);
        Assert.Empty(Posix.FindCollisions(keys));
    }

    [Fact]
    public void FindCollisions_counts_a_trailing_dot_as_the_file_without_it()
    {
        var g = Assert.Single(Win.FindCollisions(["run/a", "run/a.", "run/a "]));
        Assert.Equal(3, g.Count);
        Assert.Empty(Posix.FindCollisions(["run/a", "run/a.", "run/a "]));
    }

    [Fact]
    public void FindCollisions_ignores_a_key_given_twice()
    {
        Assert.Empty(Win.FindCollisions(["a.csv", "a.csv"]));
        Assert.Single(Win.FindCollisions(["a.csv", "a.csv", "A.csv"]));
    }

    [Fact]
    public void A_file_and_a_folder_that_differ_in_case_conflict_on_NTFS()
    {
        var c = Assert.Single(Win.FindFileFolderConflicts(["raw", "RAW/x.csv"]));
        Assert.Equal(("raw", "RAW/x.csv"), c);
        Assert.Empty(Posix.FindFileFolderConflicts(["raw", "RAW/x.csv"]));
        Assert.Single(Posix.FindFileFolderConflicts(["raw", "raw/x.csv"]));
    }

    [Theory]
    [InlineData(".LaminDB")]
    [InlineData(".LAMINDB")]
    [InlineData(".lamindb.")]
    [InlineData(".lamindb ")]
    public void The_managed_folder_is_found_in_any_case_and_with_trailing_dots_on_NTFS(string segment)
    {
        Assert.True(Win.IsManagedFolderName(segment));
        Assert.False(Posix.IsManagedFolderName(segment));
    }

    [Fact]
    public void A_path_through_dot_LaminDB_is_inside_the_managed_folder_on_NTFS()
    {
        Assert.True(Win.ContainsManagedFolder(@"D:\store\.LaminDB\x.csv"));
        Assert.True(Win.ContainsManagedFolder("D:/store/.LAMINDB/x.csv"));
        Assert.False(Posix.ContainsManagedFolder("/store/.LaminDB/x.csv"));
        Assert.True(Posix.ContainsManagedFolder("/store/.lamindb/x.csv"));
    }

    [Theory]
    [InlineData("LAMIN.DB")]
    [InlineData("Lamin.db.LOCK")]
    [InlineData("LAMIN-log.db")]
    [InlineData("lamin-TMP.DB")]
    [InlineData("lamin.db.")]
    public void The_registry_files_are_known_in_any_case_on_NTFS(string name)
    {
        Assert.True(Win.IsRegistryCompanion(name));
        Assert.False(Posix.IsRegistryCompanion(name));
    }

    [Theory]
    [InlineData("run:01.csv", ":")]
    [InlineData("a<b.csv", "<")]
    [InlineData("a>b.csv", ">")]
    [InlineData("say\"hi\".txt", "\"")]
    [InlineData("a|b.csv", "|")]
    [InlineData("what?.csv", "?")]
    [InlineData("all*.csv", "*")]
    public void Characters_NTFS_cannot_store_make_a_key_not_portable(string name, string ch)
    {
        var why = Win.CheckPortableKey("raw/" + name);
        Assert.NotNull(why);
        Assert.Contains(ch, why);
        Assert.Null(Posix.CheckPortableKey("raw/" + name));
    }

    [Fact]
    public void A_colon_names_the_alternate_data_stream_it_would_write_into()
    {
        Assert.Contains("alternate data stream", Win.CheckPortableKey("run:01.csv"));
    }

    [Fact]
    public void Control_characters_are_not_portable_to_NTFS()
    {
        Assert.Contains("U+0001", Win.CheckPortableKey("a\u0001b.csv"));
        Assert.Null(Posix.CheckPortableKey("a\u0001b.csv"));
    }

    [Theory]
    [InlineData("raw/x.")]
    [InlineData("raw/x ")]
    [InlineData("raw./x.csv")]
    [InlineData("raw /x.csv")]
    public void A_trailing_dot_or_space_in_any_segment_is_not_portable(string key)
    {
        Assert.Contains("dot or a space", Win.CheckPortableKey(key));
        Assert.Null(Posix.CheckPortableKey(key));
    }

    [Theory]
    [InlineData("CON")]
    [InlineData("con")]
    [InlineData("Prn.txt")]
    [InlineData("aux.tar.gz")]
    [InlineData("nul.txt")]
    [InlineData("NUL .txt")]
    [InlineData("COM1")]
    [InlineData("com9.csv")]
    [InlineData("LPT1")]
    [InlineData("lpt9.log")]
    [InlineData("COM\u00B9")]
    [InlineData("CONIN$")]
    public void Device_names_in_any_case_and_with_an_extension_are_not_portable(string name)
    {
        Assert.True(FileSystemRules.IsWindowsDeviceName(name));
        Assert.Contains("device name", Win.CheckPortableKey("raw/" + name));
        Assert.Null(Posix.CheckPortableKey("raw/" + name));
    }

    [Theory]
    [InlineData("console.txt")]
    [InlineData("COM10")]
    [InlineData("nul_data.csv")]
    [InlineData("LPT")]
    [InlineData("xcon")]
    public void Names_that_only_look_like_devices_are_portable(string name)
    {
        Assert.False(FileSystemRules.IsWindowsDeviceName(name));
        Assert.Null(Win.CheckPortableKey("raw/" + name));
    }

    [Fact]
    public void Segment_length_counts_UTF16_characters_on_NTFS_and_bytes_on_Linux()
    {
        var name = new string('\u00E9', 200); // 200 characters, 400 UTF-8 bytes
        Assert.Null(Win.CheckPortableKey(name));
        Assert.Contains("bytes", Posix.CheckPortableKey(name));
        Assert.Contains("characters", Win.CheckPortableKey(new string('a', 256)));
    }

    [Fact]
    public void Backslash_is_a_separator_on_Windows_and_a_character_on_Linux()
    {
        Assert.Equal(["a", "b", "c"], Win.Segments(@"a\b/c"));
        Assert.Equal([@"a\b", "c"], Posix.Segments(@"a\b/c"));
        Assert.NotNull(Win.CheckPortableSegment(@"a\b"));
    }

    [Fact]
    public void RelativeKey_of_a_whole_drive_root_keeps_every_character()
    {
        Assert.Equal("data/x.csv", Win.RelativeKey(@"E:\data\x.csv", @"E:\"));
        Assert.Equal("data/x.csv", Win.RelativeKey(@"E:\data\x.csv", @"E:"));
    }

    [Fact]
    public void RelativeKey_compares_the_root_without_case_on_NTFS()
    {
        Assert.Equal("Raw/x.csv", Win.RelativeKey(@"d:\LAB\Raw\x.csv", @"D:\lab"));
        Assert.Null(Posix.RelativeKey("/LAB/Raw/x.csv", "/lab"));
        Assert.True(Win.IsUnder(@"D:\Lab", @"d:\lab"));
        Assert.False(Win.IsUnder(@"D:\labs\x", @"D:\lab"));
    }

    [Fact]
    public void RelativeKey_of_a_UNC_root_turns_backslashes_into_slashes()
    {
        Assert.Equal("a/b.csv", Win.RelativeKey(@"\\Server\Share\x\a\b.csv", @"\\server\share\X"));
        Assert.Null(Win.RelativeKey(@"\\server\share\xy\a", @"\\server\share\x"));
    }

    [Fact]
    public void EffectiveName_drops_what_Win32_drops_and_nothing_on_Linux()
    {
        Assert.Equal("data", Win.EffectiveName("data. ."));
        Assert.Equal("data. .", Posix.EffectiveName("data. ."));
        Assert.Equal("..", Win.EffectiveName(".."));
    }

    [Fact]
    public void Sorting_under_NTFS_rules_puts_case_variants_together()
    {
        var sorted = new[] { "b", "A", "a", "B" }.OrderBy(x => x, Win.Comparer).ToList();
        Assert.Equal(0, Win.Comparer.Compare(sorted[0], sorted[1]));
        Assert.Equal(0, Win.Comparer.Compare(sorted[2], sorted[3]));
        Assert.NotEqual(0, Posix.Comparer.Compare("A", "a"));
    }

    [Fact]
    public void A_case_sensitive_NTFS_folder_keeps_case_apart_but_still_refuses_Windows_names()
    {
        var wsl = FileSystemRules.WindowsCaseSensitive;
        Assert.False(wsl.Equals("A.csv", "a.csv"));
        Assert.NotNull(wsl.CheckPortableKey("nul.txt"));
        Assert.Empty(wsl.FindCollisions(["A.csv", "a.csv"]));
    }

    [Fact]
    public void Only_links_and_junctions_are_skipped_among_reparse_points()
    {
        Assert.True(FileSystemRules.IsSkippedReparsePoint(FileAttributes.ReparsePoint, @"C:\target"));
        // A deduplicated or tiered file (Azure File Sync, OneDrive placeholder) is a reparse point with no link target: a file.
        Assert.False(FileSystemRules.IsSkippedReparsePoint(FileAttributes.ReparsePoint | FileAttributes.Offline, null));
        Assert.False(FileSystemRules.IsSkippedReparsePoint(FileAttributes.Archive, null));
    }

    [Theory]
    [InlineData("aux")]
    [InlineData("NUL")]
    [InlineData("com1")]
    public void Instance_names_that_are_devices_cannot_be_settings_files_on_Windows(string name)
    {
        // Settings keep one <name>.json per instance: "aux.json" opens the AUX device on Windows.
        Assert.Contains("device name", Win.CheckPortableSegment(name + ".json"));
        Assert.Null(Posix.CheckPortableSegment(name + ".json"));
    }

    [Fact]
    public void The_rules_are_picked_by_name_and_for_a_Windows_probe()
    {
        Assert.Same(Win, FileSystemRules.FromName("WINDOWS"));
        Assert.Same(Win, FileSystemProbe.Choose(windows: true, caseInsensitive: true));
        Assert.Same(FileSystemRules.WindowsCaseSensitive, FileSystemProbe.Choose(windows: true, caseInsensitive: false));
    }
}

/// <summary>The same inputs under Linux and macOS rules: what stays as it was, and what macOS adds.</summary>
[Trait("Platform", "Posix")]
public class FileSystemRulesPosixTests
{
    private static readonly FileSystemRules Posix = FileSystemRules.Posix;
    private static readonly FileSystemRules Mac = FileSystemRules.CaseInsensitivePosix;

    [Fact]
    public void Linux_keeps_keys_apart_that_differ_in_case()
    {
        Assert.False(Posix.Equals("Raw/x.csv", "raw/x.csv"));
        Assert.Empty(Posix.FindCollisions(["Raw/x.csv", "raw/x.csv"]));
    }

    [Fact]
    public void Windows_names_are_portable_keys_on_Linux_and_macOS()
    {
        foreach (var key in new[] { "run:01.csv", "nul.txt", "CON", "x.", "a|b", "what?.csv" })
        {
            Assert.Null(Posix.CheckPortableKey(key));
            Assert.Null(Mac.CheckPortableKey(key));
        }
    }

    [Fact]
    public void A_segment_longer_than_255_bytes_is_not_portable_to_Linux()
    {
        Assert.Null(Posix.CheckPortableKey(new string('a', 255)));
        Assert.NotNull(Posix.CheckPortableKey("x/" + new string('a', 256)));
    }

    [Fact]
    public void MacOS_folds_case_and_unicode_normalization()
    {
        Assert.True(Mac.Equals("Raw/x.csv", "raw/X.csv"));
        Assert.True(Mac.Equals("caf\u00E9.csv", "cafe\u0301.csv"));
        Assert.False(Posix.Equals("caf\u00E9.csv", "cafe\u0301.csv"));
        Assert.False(FileSystemRules.Windows.Equals("caf\u00E9.csv", "cafe\u0301.csv"));
        Assert.Single(Mac.FindCollisions(["caf\u00E9.csv", "CAFE\u0301.csv"]));
    }

    [Fact]
    public void MacOS_finds_the_managed_folder_in_any_case_but_keeps_trailing_dots()
    {
        Assert.True(Mac.IsManagedFolderName(".LaminDB"));
        Assert.False(Mac.IsManagedFolderName(".lamindb."));
        Assert.True(Mac.IsRegistryCompanion("LAMIN.DB"));
    }

    [Fact]
    public void RelativeKey_of_the_slash_root_keeps_every_character()
    {
        Assert.Equal("data/x.csv", Posix.RelativeKey("/data/x.csv", "/"));
        Assert.Equal("", Posix.RelativeKey("/data", "/data"));
        Assert.Null(Posix.RelativeKey("/database", "/data"));
        Assert.Equal(@"a\b", Posix.RelativeKey(@"/r/a\b", "/r"));
    }

    [Fact]
    public void Keys_are_refused_for_dot_lamindb_in_any_case_on_every_OS()
    {
        Assert.True(FileSystemRules.IsManagedFolderKeySegment(".LaminDB"));
        Assert.True(FileSystemRules.IsManagedFolderKeySegment(".lamindb."));
        Assert.False(FileSystemRules.IsManagedFolderKeySegment(".lamindbx"));
    }

    [Fact]
    public void The_rules_for_this_OS_match_the_OS()
    {
        var rules = FileSystemRules.ForCurrentOs();
        if (OperatingSystem.IsWindows()) Assert.Same(FileSystemRules.Windows, rules);
        else if (OperatingSystem.IsMacOS()) Assert.Same(Mac, rules);
        else Assert.Same(Posix, rules);
    }

    [LinuxFact]
    public void A_real_Linux_folder_probes_as_case_sensitive_and_the_probe_leaves_nothing()
    {
        using var dir = new TempDir("lamin-probe");
        Assert.False(FileSystemProbe.IsCaseInsensitive(dir.Path));
        Assert.Same(Posix, FileSystemProbe.Probe(dir.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_missing_folder_cannot_be_probed_and_falls_back_to_the_OS_rules()
    {
        using var dir = new TempDir("lamin-probe");
        var missing = Path.Combine(dir.Path, "missing");
        Assert.Null(FileSystemProbe.IsCaseInsensitive(missing));
        Assert.Same(FileSystemRules.ForCurrentOs(), FileSystemProbe.Probe(missing));
        Assert.False(Directory.Exists(missing));
    }
}

[Trait("Platform", "Posix")]
public class LocationRulesTests
{
    [Fact]
    public void Cloud_locations_keep_case_and_store_any_character()
    {
        var rules = LocationRules.For(StorageRoot.Parse("s3://bucket/prefix", "/"));
        Assert.Same(FileSystemRules.Posix, rules);
        Assert.Null(rules.CheckPortableKey("run:01.csv"));
    }

    [LinuxFact]
    public void A_local_Linux_location_probes_in_its_managed_folder_and_leaves_nothing()
    {
        using var temp = new TempDir("lamin-rules");
        var managed = temp.Sub(".lamindb", create: true);
        Assert.Same(FileSystemRules.Posix, LocationRules.ForLocal(temp.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(managed));
        Assert.Equal([managed], Directory.EnumerateFileSystemEntries(temp.Path));
    }
}
