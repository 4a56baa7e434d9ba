using Lamin.Core.Errors;
using Lamin.Core.Roots;
using Xunit;

namespace Lamin.Core.Tests;

public class StorageRootTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-roots");
    private string Cwd => _temp.Path;

    public void Dispose() => _temp.Dispose();

    // ---------------------------------------------------------------- type (rule 1)

    [Theory]
    [InlineData("s3://b/p", "s3")]
    [InlineData("S3://bucket", "s3")]
    [InlineData("gs://b", "gs")]
    [InlineData("hf://datasets/x", "hf")]
    [InlineData("https://x.org/a", "https")]
    [InlineData("http://x.org/a", "http")]
    [InlineData("/abs/dir", "local")]
    [InlineData("./rel", "local")]
    [InlineData("rel", "local")]
    [InlineData("~/data", "local")]
    [InlineData("file:///abs", "local")]
    [InlineData("incorrect-protocol://some-path/x", "incorrect-protocol")]
    public void Type_comes_from_the_protocol(string root, string type) => Assert.Equal(type, StorageRoot.DetectType(root));

    [Theory]
    [InlineData("s3://bkt/p", "s3")]
    [InlineData("gs://bkt/p", "gs")]
    [InlineData("hf://datasets/x", "hf")]
    [InlineData("https://x.org/a", "https")]
    [InlineData("http://x.org/a", "http")]
    public void Parse_keeps_the_detected_type(string root, string type) => Assert.Equal(type, StorageRoot.Parse(root, Cwd).Type);

    [Fact]
    public void A_relative_local_root_is_parsed_as_local() => Assert.True(StorageRoot.Parse("x", Cwd).IsLocal);

    [Theory]
    [InlineData("incorrect-protocol://some-path/x", "incorrect-protocol")]
    [InlineData("ftp://host/dir", "ftp")]
    [InlineData("az://container/p", "az")]
    [InlineData("abfs://c/p", "abfs")]
    [InlineData("gcs://bucket", "gcs")]
    [InlineData("sftp://h/p", "sftp")]
    [InlineData("memory://x", "memory")]
    public void Every_unsupported_protocol_names_itself_and_the_valid_ones(string root, string protocol)
    {
        var e = LaminAssert.Throws(ErrorIds.UnsupportedProtocol, () => StorageRoot.Parse(root, Cwd));
        Assert.Contains($"Protocol {protocol} is not supported", e.Message);
        Assert.Contains("valid protocols are local, gs, s3, hf, http, https", e.Message);
        Assert.Equal(LaminErrorCategory.InvalidArgument, e.Category);
    }

    // ---------------------------------------------------------------- cloud normalisation (rule 2)

    [Theory]
    [InlineData("s3://bucket/", "s3://bucket")]
    [InlineData("s3://b0b/", "s3://b0b")]
    [InlineData("s3://bucket/key/", "s3://bucket/key")]
    [InlineData("s3://bucket//a///b//", "s3://bucket/a/b")]
    [InlineData("s3://bucket\\a\\b", "s3://bucket/a/b")]
    [InlineData("s3://bucket/x  ", "s3://bucket/x  ")] // as given (SPEC §10 rule 16): "x  " is another prefix than "x"
    [InlineData("gs://bucket/prefix/", "gs://bucket/prefix")]
    [InlineData("https://x.org/a/", "https://x.org/a")]
    [InlineData("hf://datasets/x/", "hf://datasets/x")]
    [InlineData("S3://bucket/x/", "s3://bucket/x")]
    [InlineData("Gs://bucket", "gs://bucket")]
    public void Cloud_roots_use_slashes_and_lose_a_trailing_slash(string input, string expected) =>
        Assert.Equal(expected, StorageRoot.Parse(input, Cwd).Root);

    [Fact]
    public void Bucket_and_prefix_are_split()
    {
        var r = StorageRoot.Parse("s3://bucket/a/b/", Cwd);
        Assert.Equal("bucket", r.Bucket);
        Assert.Equal("a/b", r.Prefix);
        Assert.Null(r.EndpointUrl);
        Assert.True(r.IsCloud);
        Assert.Null(StorageRoot.Parse("gs://bucket", Cwd).Prefix);
    }

    [Theory]
    [InlineData("s3://bucket/key?endpoint_url=http://localhost:8000/s3", "s3://bucket/key?endpoint_url=http://localhost:8000/s3", "http://localhost:8000/s3")]
    [InlineData("s3://bucket/?endpoint_url=http://localhost:8000/s3", "s3://bucket?endpoint_url=http://localhost:8000/s3", "http://localhost:8000/s3")]
    [InlineData("s3://bucket/?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000%2F", "s3://bucket?endpoint_url=http://127.0.0.1:9000", "http://127.0.0.1:9000")]
    [InlineData("s3://bucket/key/?endpoint_url=https://minio.example.org/", "s3://bucket/key?endpoint_url=https://minio.example.org", "https://minio.example.org")]
    public void An_S3_endpoint_is_kept_in_the_root_and_normalised(string input, string root, string endpoint)
    {
        var r = StorageRoot.Parse(input, Cwd);
        Assert.Equal(root, r.Root);
        Assert.Equal(endpoint, r.EndpointUrl);
        Assert.Equal("s3", r.Type);
        Assert.Equal(root[..root.IndexOf('?')], r.PathPart);
    }

    [Fact]
    public void An_endpoint_given_percent_encoded_or_plain_gives_the_same_root() =>
        Assert.Equal(
            StorageRoot.Parse("s3://bucket/p?endpoint_url=http://127.0.0.1:9000", Cwd).Root,
            StorageRoot.Parse("s3://bucket/p/?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000%2F", Cwd).Root);

    [Fact]
    public void A_duplicate_endpoint_url_is_refused()
    {
        var e = LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse("s3://bucket?endpoint_url=http://a&endpoint_url=http://b", Cwd));
        Assert.Contains("Multiple values for endpoint_url", e.Message);
        // Even the same value twice.
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse("s3://bucket?endpoint_url=http://a&endpoint_url=http://a", Cwd));
    }

    [Theory]
    [InlineData("s3://bucket?region=eu-west-1")]
    [InlineData("gs://bucket?endpoint_url=http://a")]
    [InlineData("s3://bucket?endpoint_url=ftp://a")]
    [InlineData("s3://bucket?endpoint_url=")]
    [InlineData("s3://bucket?endpoint_url=not a url")]
    public void Other_query_parameters_and_bad_endpoints_are_InvalidRoot(string root) =>
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse(root, Cwd));

    // SPEC rule 20: '?' is a key character; only "?endpoint_url=" starts the query of an S3 root.
    [Theory]
    [InlineData("s3://b3t/x?y.csv?endpoint_url=http://h:9", "s3://b3t/x?y.csv?endpoint_url=http://h:9", "x?y.csv", "s3://b3t/x?y.csv")]
    [InlineData("s3://b3t/x?y.csv", "s3://b3t/x?y.csv", "x?y.csv", "s3://b3t/x?y.csv")]
    [InlineData("gs://b3t/a?/b?c", "gs://b3t/a?/b?c", "a?/b?c", "gs://b3t/a?/b?c")]
    [InlineData("s3://b3t/p?q/?endpoint_url=http://h:9/", "s3://b3t/p?q?endpoint_url=http://h:9", "p?q", "s3://b3t/p?q")]
    public void A_question_mark_in_the_key_is_part_of_it(string input, string root, string prefix, string pathPart)
    {
        var r = StorageRoot.Parse(input, Cwd);
        Assert.Equal(root, r.Root);
        Assert.Equal(prefix, r.Prefix);
        Assert.Equal(pathPart, r.PathPart);
    }

    // SPEC §10 rule 11: credentials in endpoint_url would be stored in the registry; the message never repeats them.
    [Theory]
    [InlineData("s3://b3t?endpoint_url=http://user:hunter2secret@h:9")]
    [InlineData("s3://b3t/k?endpoint_url=http%3A%2F%2Fuser%3Ahunter2secret%40h%3A9")]
    [InlineData("s3://b3t?endpoint_url=https://hunter2secret@h")]
    public void An_endpoint_with_credentials_is_InvalidRoot_without_echoing_them(string root)
    {
        var e = LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse(root, Cwd));
        Assert.Contains("credentials", e.Message);
        Assert.DoesNotContain("hunter2secret", e.ToString());
        Assert.DoesNotContain("hunter2secret", e.Target?.ToString() ?? "");
    }

    [Theory]
    [InlineData("s3://b3t/x?endpointurl=http://h:9")]
    [InlineData("s3://b3t/x?foo=https%3A%2F%2Fh")]
    public void A_mistyped_query_is_still_InvalidRoot(string root) =>
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse(root, Cwd));

    [Theory]
    [InlineData("s3://")]
    [InlineData("s3:///")]
    [InlineData("s3:///x")]
    [InlineData("gs://")]
    [InlineData("s3://?endpoint_url=http://a")]
    public void A_cloud_root_without_bucket_is_InvalidRoot(string root)
    {
        var e = LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse(root, Cwd));
        Assert.Contains("bucket", e.Message);
    }

    [Theory]
    [InlineData("s3://Bad_Bucket!")]
    [InlineData("s3://ab")]
    [InlineData("s3://-bucket")]
    [InlineData("s3://b/../x")]
    [InlineData("s3://b0b/./x")]
    public void Bad_bucket_names_and_dot_segments_are_InvalidRoot(string root) =>
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse(root, Cwd));

    // ---------------------------------------------------------------- refused roots

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t")]
    [InlineData(null)]
    public void Empty_or_whitespace_roots_are_InvalidRoot(string? root) =>
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse(root, Cwd));

    [Theory]
    [InlineData("bad\u0001root")]
    [InlineData("/tmp/a\u0000b")]
    [InlineData("s3://bucket/a\u007fb")]
    [InlineData("/tmp/a\nb")]
    public void Control_characters_are_InvalidRoot(string root) =>
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse(root, Cwd));

    [Theory]
    [InlineData("/data/.lamindb")]
    [InlineData("/data/.lamindb/")]
    [InlineData("/data/.lamindb/x")]
    [InlineData(".lamindb")]
    [InlineData("s3://bucket/.lamindb")]
    [InlineData("s3://bucket/.lamindb/x")]
    [InlineData("gs://bucket/a/.lamindb")]
    public void A_root_containing_dot_lamindb_is_InvalidRoot(string root)
    {
        var e = LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse(root, Cwd));
        Assert.Contains(".lamindb", e.Message);
    }

    [Fact]
    public void A_relative_root_that_lands_in_dot_lamindb_through_the_current_directory_is_InvalidRoot()
    {
        var inside = _temp.Sub(".lamindb", create: true);
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse("sub", inside));
    }

    [UnixFact]
    public void A_symlink_into_dot_lamindb_is_refused_after_resolution()
    {
        var target = _temp.Sub(Path.Combine("store", ".lamindb"), create: true);
        var link = Path.Combine(_temp.Path, "innocent");
        Directory.CreateSymbolicLink(link, target);
        LaminAssert.Throws(ErrorIds.InvalidRoot, () => StorageRoot.Parse(link, Cwd));
    }

    // ---------------------------------------------------------------- local normalisation (rule 2)

    [Fact]
    public void Relative_roots_resolve_against_the_given_directory_not_the_process_one()
    {
        Assert.NotEqual(Cwd, Environment.CurrentDirectory);
        Assert.Equal(Path.Combine(Cwd, "sub"), StorageRoot.Parse("sub", Cwd).Root);
        Assert.Equal(Path.Combine(Cwd, "sub"), StorageRoot.Parse("./sub/", Cwd).Root);
        Assert.Equal(Path.Combine(Cwd, "x"), StorageRoot.Parse("./a/../x", Cwd).Root);
        Assert.Equal(Cwd, StorageRoot.Parse(".", Cwd).Root);
        var other = _temp.Sub("other", create: true);
        Assert.Equal(Path.Combine(other, "sub"), StorageRoot.Parse("sub", other).Root);
    }

    [Fact]
    public void Parent_references_are_resolved_against_the_given_directory()
    {
        var deep = _temp.Sub(Path.Combine("a", "b"), create: true);
        Assert.Equal(Path.Combine(_temp.Path, "a", "c"), StorageRoot.Parse("../c", deep).Root);
    }

    [Fact]
    public void Local_roots_lose_trailing_separators_and_double_slashes()
    {
        var abs = Path.Combine(_temp.Path, "data");
        Assert.Equal(abs, StorageRoot.Parse(abs + "/", Cwd).Root);
        Assert.Equal(abs, StorageRoot.Parse(abs + "//", Cwd).Root);
        Assert.Equal(abs, StorageRoot.Parse(_temp.Path + "//data", Cwd).Root);
    }

    [Fact]
    public void File_URLs_are_local_paths()
    {
        var abs = Path.Combine(_temp.Path, "data");
        var r = StorageRoot.Parse("file://" + abs, Cwd);
        Assert.Equal("local", r.Type);
        Assert.Equal(abs, r.Root);
    }

    [Fact]
    public void Tilde_expands_to_the_home_folder()
    {
        // Expectations come from the same HOME the code reads; nothing in HOME is created or required.
        var home = LocalPaths.Home;
        var name = "lamin-test-" + Guid.NewGuid().ToString("N");
        var r = StorageRoot.Parse($"~/{name}/x", Cwd);
        Assert.DoesNotContain("~", r.Root);
        Assert.True(Path.IsPathRooted(r.Root));
        Assert.EndsWith(Path.Combine(name, "x"), r.Root);
        Assert.Equal(Path.Combine(LocalPaths.Resolve(home, "/"), name, "x"), r.Root);
        Assert.Equal(LocalPaths.Resolve(home, "/"), StorageRoot.Parse("~", Cwd).Root);
        Assert.Equal(LocalPaths.Resolve(home, "/"), StorageRoot.Parse("~/", Cwd).Root);
        Assert.False(Directory.Exists(Path.Combine(home, name)), "parsing must not create the folder");
    }

    [Fact]
    public void A_tilde_not_at_the_start_is_a_plain_name()
    {
        Assert.Equal(Path.Combine(Cwd, "a~b"), StorageRoot.Parse("a~b", Cwd).Root);
        Assert.Equal(Path.Combine(Cwd, "~other"), StorageRoot.Parse("~other", Cwd).Root);
    }

    [UnixFact]
    public void Symlinks_are_resolved()
    {
        var real = _temp.Sub("real", create: true);
        var link = Path.Combine(_temp.Path, "link");
        Directory.CreateSymbolicLink(link, real);
        Assert.Equal(real, StorageRoot.Parse(link, Cwd).Root);
        Assert.Equal(real, StorageRoot.Parse(link + "/", Cwd).Root);
        Assert.Equal(real, StorageRoot.Parse("link", _temp.Path).Root);
    }

    [UnixFact]
    public void A_symlinked_parent_of_a_folder_that_does_not_exist_yet_is_resolved()
    {
        var real = _temp.Sub("real", create: true);
        var link = Path.Combine(_temp.Path, "link");
        Directory.CreateSymbolicLink(link, real);
        var r = StorageRoot.Parse(Path.Combine(link, "new", "deeper"), Cwd);
        Assert.Equal(Path.Combine(real, "new", "deeper"), r.Root);
        Assert.False(Directory.Exists(Path.Combine(real, "new")), "parsing must not create the folder");
    }

    [UnixFact]
    public void Relative_and_chained_symlinks_are_resolved()
    {
        var real = _temp.Sub(Path.Combine("x", "real"), create: true);
        var hop1 = Path.Combine(_temp.Path, "hop1");
        var hop2 = Path.Combine(_temp.Path, "hop2");
        Directory.CreateSymbolicLink(hop1, Path.Combine("x", "real")); // relative target
        Directory.CreateSymbolicLink(hop2, "hop1");                    // link to a link
        Assert.Equal(real, StorageRoot.Parse(hop2, Cwd).Root);
        Assert.Equal(Path.Combine(real, "sub"), StorageRoot.Parse("hop2/sub", _temp.Path).Root);
    }

    [UnixFact]
    public void A_dangling_symlink_resolves_to_its_target()
    {
        var target = Path.Combine(_temp.Path, "not-yet");
        var link = Path.Combine(_temp.Path, "dangling");
        File.CreateSymbolicLink(link, target);
        Assert.Equal(target, StorageRoot.Parse(link, Cwd).Root);
    }

    [UnixFact]
    public void Dot_dot_after_a_symlink_is_taken_physically_as_the_OS_and_LaminDB_take_it()
    {
        // LaminDB resolves with Path.resolve() (realpath): "link/.." is the parent of the link's target,
        // which is also the folder the OS opens for "link/../x". Collapsing ".." before resolving links
        // registers another folder than the one the user named.
        var real = _temp.Sub(Path.Combine("a", "b", "real"), create: true);
        var link = Path.Combine(_temp.Path, "link");
        Directory.CreateSymbolicLink(link, real);
        Assert.Equal(Path.Combine(_temp.Path, "a", "b", "x"), StorageRoot.Parse(link + "/../x", Cwd).Root);
    }

    // ---------------------------------------------------------------- names

    [Theory]
    [InlineData("s3://bucket/key", "key")]
    [InlineData("s3://bucket/", "bucket")]
    [InlineData("s3://bucket", "bucket")]
    [InlineData("s3://bucket/a/Key?endpoint_url=http://h:1", "key")]
    [InlineData("s3://bucket?endpoint_url=http://h:1/path", "bucket")]
    [InlineData("gs://bucket/a/b/", "b")]
    public void Instance_names_are_inferred_from_the_last_segment_of_cloud_roots(string root, string name) =>
        Assert.Equal(name, StorageRoot.Parse(root, Cwd).InferName());

    [Theory]
    [InlineData("some/localpath", "localpath")]
    [InlineData("some/LocalPath/", "localpath")]
    [InlineData("mydata", "mydata")]
    public void Instance_names_are_inferred_from_the_last_segment_of_local_roots(string root, string name) =>
        Assert.Equal(name, StorageRoot.Parse(root, Cwd).InferName());

    [Fact]
    public void The_current_directory_gives_its_own_name()
    {
        var cwd = _temp.Sub("mystorage_cwd", create: true);
        Assert.Equal("mystorage_cwd", StorageRoot.Parse(".", cwd).InferName());
    }
}
