using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Workbench.Data;

/// <summary>
/// A statement prepared once on a connection and run again and again through SQLite's C API, its parameters bound by
/// position (<see cref="SqliteValues"/>). For the intake writer's INSERTs, where a <see cref="SqliteCommand"/> per row
/// cost more than SQLite's own work. Not thread-safe; finalized before its connection closes.
/// </summary>
internal sealed class NativeStatement : IDisposable
{
    private readonly sqlite3 _db;

    public NativeStatement(sqlite3 db, string sql)
    {
        _db = db;
        Check(db, raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement, out _));
        Handle = statement;
    }

    public sqlite3_stmt Handle { get; }

    /// <summary>
    /// Runs the statement with what is bound; the first column of the first row it returns (a RETURNING key), if any.
    /// A failure throws the <see cref="SqliteException"/> Microsoft.Data.Sqlite would (its primary result code, its message).
    /// </summary>
    public long? Run()
    {
        try
        {
            var rc = raw.sqlite3_step(Handle);
            long? first = null;
            while (rc == raw.SQLITE_ROW)
            {
                first ??= raw.sqlite3_column_int64(Handle, 0);
                rc = raw.sqlite3_step(Handle);
            }
            if (rc != raw.SQLITE_DONE)
            {
                Check(_db, rc);
            }
            return first;
        }
        finally
        {
            raw.sqlite3_reset(Handle);
        }
    }

    internal static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc & 0xFF, db);
        }
    }

    public void Dispose() => Handle.Dispose();
}

/// <summary>
/// Binds the values of the model's columns to a <see cref="NativeStatement"/> as Microsoft.Data.Sqlite binds them for
/// SaveChanges: the same storage class and text for every type a column of the model has on SQLite (integers, booleans,
/// text cut to the mapping's size, GUIDs as upper-case text unless mapped to a BLOB, decimals as invariant text, doubles,
/// BLOBs). Times are UTC ticks on SQLite (<see cref="UtcTicksConverter"/>); a column of another type is refused when its
/// table's INSERT is planned. Text is encoded into one buffer kept from row to row, and SQLite copies it.
/// Not thread-safe.
/// </summary>
internal sealed class SqliteValues
{
    private byte[] _utf8 = new byte[4096];

    /// <summary>A column and how its value is bound: the mapping's size and storage class, read once.</summary>
    internal sealed record ColumnBinding(BatchInsertTable.Column Column, int? Size, bool GuidAsBlob, bool CharAsInteger)
    {
        private static readonly HashSet<Type> Bindable =
        [
            typeof(string), typeof(bool), typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint),
            typeof(long), typeof(ulong), typeof(double), typeof(float), typeof(decimal), typeof(Guid), typeof(char), typeof(byte[]),
        ];

        public static ColumnBinding Of(BatchInsertTable.Column column)
        {
            var provider = Nullable.GetUnderlyingType(column.ProviderArrayElement) ?? column.ProviderArrayElement;
            if (!Bindable.Contains(provider))
            {
                throw new NotSupportedException(
                    $"{column.Property.DeclaringType.DisplayName()}.{column.Property.Name} is stored as {provider.Name}, which the SQLite batch writer does not bind; map it to ticks, text or a number.");
            }
            // The parameter SaveChanges would create for this column, for what it says of size and storage class.
            using var command = new SqliteCommand();
            var parameter = (SqliteParameter)column.Mapping.CreateParameter(command, "p", null, column.Nullable);
            return new ColumnBinding(column, parameter.Size > 0 ? parameter.Size : null,
                parameter.SqliteType == SqliteType.Blob, parameter.SqliteType == SqliteType.Integer);
        }
    }

    /// <summary>Binds a provider value (DBNull for null) to the parameter at <paramref name="index"/> (from 1).</summary>
    public void Bind(sqlite3 db, sqlite3_stmt statement, int index, ColumnBinding column, object value)
    {
        var rc = value switch
        {
            DBNull => raw.sqlite3_bind_null(statement, index),
            string text => BindText(statement, index, column.Size is { } size && size != -1 && text.Length > size ? text.AsSpan(0, size) : text),
            long number => raw.sqlite3_bind_int64(statement, index, number),
            int number => raw.sqlite3_bind_int64(statement, index, number),
            bool flag => raw.sqlite3_bind_int64(statement, index, flag ? 1 : 0),
            Guid guid => BindGuid(statement, index, guid, column.GuidAsBlob),
            double number => raw.sqlite3_bind_double(statement, index, NotNaN(number)),
            float number => raw.sqlite3_bind_double(statement, index, NotNaN(number)),
            decimal number => BindText(statement, index, number.ToString("0.0###########################", CultureInfo.InvariantCulture)),
            short number => raw.sqlite3_bind_int64(statement, index, number),
            byte number => raw.sqlite3_bind_int64(statement, index, number),
            sbyte number => raw.sqlite3_bind_int64(statement, index, number),
            ushort number => raw.sqlite3_bind_int64(statement, index, number),
            uint number => raw.sqlite3_bind_int64(statement, index, number),
            ulong number => raw.sqlite3_bind_int64(statement, index, unchecked((long)number)),
            char character => column.CharAsInteger
                ? raw.sqlite3_bind_int64(statement, index, character)
                : BindText(statement, index, new ReadOnlySpan<char>(in character)),
            byte[] bytes => raw.sqlite3_bind_blob(statement, index,
                column.Size is { } size && size != -1 && bytes.Length > size ? bytes.AsSpan(0, size) : bytes),
            Enum e => raw.sqlite3_bind_int64(statement, index, Convert.ToInt64(e, CultureInfo.InvariantCulture)),
            _ => throw new NotSupportedException($"The SQLite batch writer does not bind a {value.GetType().Name} ({column.Column.Name})."),
        };
        NativeStatement.Check(db, rc);
    }

    private int BindText(sqlite3_stmt statement, int index, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            // An empty span would be a null pointer, which SQLite binds as NULL.
            return raw.sqlite3_bind_text(statement, index, string.Empty);
        }
        var most = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_utf8.Length < most)
        {
            _utf8 = new byte[Math.Max(most, _utf8.Length * 2)];
        }
        // As SQLitePCLRaw encodes a string: a lone surrogate becomes U+FFFD.
        var length = Encoding.UTF8.GetBytes(text, _utf8);
        return raw.sqlite3_bind_text(statement, index, _utf8.AsSpan(0, length));
    }

    private int BindGuid(sqlite3_stmt statement, int index, Guid guid, bool asBlob)
    {
        if (asBlob)
        {
            return raw.sqlite3_bind_blob(statement, index, guid.ToByteArray());
        }
        Span<char> text = stackalloc char[36];
        guid.TryFormat(text, out _);
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = char.ToUpperInvariant(text[i]);
        }
        return BindText(statement, index, text);
    }

    private static double NotNaN(double value) =>
        double.IsNaN(value) ? throw new InvalidOperationException("Cannot store 'NaN' values.") : value;
}
