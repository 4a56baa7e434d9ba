using Lamin.Core.Errors;
using Lamin.Core.Model;
using Lamin.Core.Registry;
using Lamin.Core.Registry.Postgres;
using Lamin.Core.Util;
using Npgsql;
using Xunit;

namespace Lamin.Core.Tests;

/// <summary>
/// Issue 25 point 5: text PostgreSQL can't store is refused the same way on both engines (RegistryText), and
/// every SQLSTATE the module can meet is a catalogued error, never UnexpectedError.
/// </summary>
public sealed class RegistryTextTests : IDisposable
{
    private readonly TempDir _temp = new("lamin-text");

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("x\0y")]
    [InlineData("\u0001")]
    [InlineData("bell\u0007")]
    [InlineData("esc\u001B[0m")]
    [InlineData("del\u007F")]
    public void Control_characters_are_refused(string text) => Assert.NotNull(RegistryText.Problem(text));

    // Built in code: an attribute's string can't carry a lone surrogate (the compiler stores it as U+FFFD).
    [Theory]
    [InlineData("lone ", 0xD83D, " high")]
    [InlineData("lone ", 0xDE00, " low")]
    [InlineData("at the end ", 0xD83D, "")]
    public void Unpaired_surrogates_are_refused(string before, int unit, string after) =>
        Assert.NotNull(RegistryText.Problem(before + (char)unit + after));

    [Theory]
    [InlineData("plain")]
    [InlineData("tab\tand\r\nline breaks\n")]
    [InlineData("emoji \uD83D\uDE00 pair")]
    [InlineData("C1 \u0085 next line")]
    [InlineData("")]
    public void Other_text_is_stored_as_given(string text) => Assert.Null(RegistryText.Problem(text));

    [Fact]
    public void A_NUL_in_a_description_is_refused_by_the_LiteDB_registry_naming_record_and_field_and_nothing_is_written()
    {
        var registry = LaminRegistryTests.NewRegistry(System.IO.Path.Combine(_temp.Sub("r", create: true), LaminRegistry.FileName), storages: 1);
        var before = registry.Read(s => s.Storages.FindAll().Single());
        var e = Assert.Throws<LaminException>(() => registry.Write(s =>
        {
            var st = s.Storages.FindAll().Single();
            st.Description = "ok";
            ((IRegistrySession)s).Storages.Update(st);
            st.Description = "x\0y";
            ((IRegistrySession)s).Storages.Update(st);
        }));
        Assert.Equal(ErrorIds.InvalidArgument, e.ErrorId);
        Assert.Contains(before.Uid, e.Message);
        Assert.Contains("Description", e.Message);
        Assert.Contains("U+0000", e.Message);
        Assert.Equal(before.Description, registry.Read(s => s.Storages.FindAll().Single()).Description); // the whole session rolled back
    }

    [Fact]
    public void A_control_character_in_a_grant_user_is_refused_by_the_LiteDB_registry()
    {
        var registry = LaminRegistryTests.NewRegistry(System.IO.Path.Combine(_temp.Sub("g", create: true), LaminRegistry.FileName));
        var e = Assert.Throws<LaminException>(() => registry.Write(s =>
            ((IRegistrySession)s).UpsertGrant(new LaminSpaceAccess { SpaceId = 1, Space = "all", User = "bob\u0001", Role = SpaceRole.Read, CreatedAt = Clock.UtcNow, CreatedBy = "alice" })));
        Assert.Equal(ErrorIds.InvalidArgument, e.ErrorId);
        Assert.Empty(registry.Read(s => s.SpaceAccess.FindAll().ToList()));
    }

    public static TheoryData<string, string> States => new()
    {
        { PostgresErrorCodes.CharacterNotInRepertoire, ErrorIds.InvalidArgument },   // 22021: a NUL in text
        { PostgresErrorCodes.StringDataRightTruncation, ErrorIds.InvalidArgument },  // 22001
        { PostgresErrorCodes.NumericValueOutOfRange, ErrorIds.InvalidArgument },     // 22003
        { PostgresErrorCodes.NotNullViolation, ErrorIds.InvalidArgument },           // 23502
        { PostgresErrorCodes.CheckViolation, ErrorIds.InvalidArgument },             // 23514
        { PostgresErrorCodes.ForeignKeyViolation, ErrorIds.RecordNotFound },         // 23503
        { PostgresErrorCodes.UniqueViolation, ErrorIds.RegistryBusy },               // 23505, a constraint not named in the map
        { PostgresErrorCodes.SerializationFailure, ErrorIds.RegistryBusy },          // 40001
        { PostgresErrorCodes.DeadlockDetected, ErrorIds.RegistryBusy },              // 40P01
        { PostgresErrorCodes.LockNotAvailable, ErrorIds.RegistryBusy },              // 55P03
        { PostgresErrorCodes.QueryCanceled, ErrorIds.RegistryBusy },                 // 57014: a statement timeout
        { PostgresErrorCodes.DiskFull, ErrorIds.RegistryUnavailable },               // 53100
        { PostgresErrorCodes.OutOfMemory, ErrorIds.RegistryUnavailable },            // 53200
        { PostgresErrorCodes.AdminShutdown, ErrorIds.RegistryUnavailable },          // 57P01
        { PostgresErrorCodes.IoError, ErrorIds.RegistryUnavailable },                // 58030
        { PostgresErrorCodes.ReadOnlySqlTransaction, ErrorIds.RegistryUnavailable }, // 25006: a standby
        { PostgresErrorCodes.ProgramLimitExceeded, ErrorIds.InvalidArgument },       // 54000: a value too large to index
        { PostgresErrorCodes.UndefinedColumn, ErrorIds.RegistryCorrupt },            // 42703
        { PostgresErrorCodes.UndefinedFunction, ErrorIds.RegistryCorrupt },          // 42883
        { PostgresErrorCodes.DataCorrupted, ErrorIds.RegistryCorrupt },              // XX001
        { PostgresErrorCodes.FeatureNotSupported, ErrorIds.RegistryUnavailable },    // 0A000
        { PostgresErrorCodes.RaiseException, ErrorIds.RegistryUnavailable },         // P0001
    };

    [Theory]
    [MemberData(nameof(States))]
    public void Every_SQLSTATE_is_a_catalogued_error_never_UnexpectedError(string state, string expected)
    {
        var registry = new PostgresRegistry(PostgresConnection.Parse("postgresql://alice@db.example.org:5432/lab", null, _ => null, "/nonexistent-home"));
        var mapped = registry.Map(new PostgresException("refused", "ERROR", "ERROR", state));
        Assert.NotNull(mapped);
        Assert.Equal(expected, mapped!.ErrorId);
        Assert.DoesNotContain("bug", mapped.Message);
        if (state[..2] is "22" or "40") Assert.Contains(state, mapped.Message); // the class table names the SQLSTATE
        if (state == PostgresErrorCodes.DiskFull) Assert.Contains("no space left for the registry", mapped.Message); // issue 28: says what to free
    }
}
