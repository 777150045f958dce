namespace Registry.Infrastructure;

/// <summary>
/// A request field that may be longer than <see cref="RequestLimits.MaxStringLength"/> (a case narrative): the body check
/// lets it run to <see cref="MaxLength"/> characters; the endpoint checks its own limit too.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LongTextAttribute(int maxLength) : Attribute
{
    public int MaxLength { get; } = maxLength;
}
