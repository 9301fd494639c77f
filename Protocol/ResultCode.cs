namespace OrleansIm.Protocol;

/// <summary>Reply codes (docs/protocol.md, "Replies and codes"): 1xxxx system, 2xxxx service. 0 is success.</summary>
public static class ResultCode
{
    public const uint Ok = 0;
    public const uint Internal = 10001;
    public const uint Unavailable = 10002;
    public const uint PermissionDenied = 10005;
    public const uint IllegalRequest = 10012;
    public const uint FrameTooLong = 10018;
    public const uint RateLimited = 10023;
    public const uint LoginFailed = 20001;
    public const uint BadBody = 20005;
    public const uint InvalidParameter = 20007;
    public const uint SessionConflict = 20009;
    public const uint InvalidHeader = 20010;
    public const uint Blacklisted = 20014;
    public const uint NotFound = 20015;
    public const uint AlreadyExists = 20016;
    public const uint NotMember = 20017;
    public const uint Gagged = 20018;
    public const uint CapacityReached = 20019;
    public const uint Banned = 20020;
    public const uint TooLate = 20021;
    public const uint ModerationRejected = 20022;
    public const uint ModerationUnavailable = 20023;

    /// <summary>The <c>errmsg</c> sent with a code: short, stable, English.</summary>
    public static string Message(uint code) => code switch
    {
        Ok => "ok",
        Internal => "internal error",
        Unavailable => "service unavailable",
        PermissionDenied => "permission denied",
        IllegalRequest => "illegal request",
        FrameTooLong => "frame too long",
        RateLimited => "rate limit exceeded",
        LoginFailed => "login failed",
        BadBody => "body could not be parsed",
        InvalidParameter => "invalid parameter",
        SessionConflict => "session conflict",
        InvalidHeader => "invalid header",
        Blacklisted => "refused by receiver",
        NotFound => "not found",
        AlreadyExists => "already exists",
        NotMember => "not a member",
        Gagged => "gagged",
        CapacityReached => "capacity reached",
        Banned => "banned",
        TooLate => "too late",
        ModerationRejected => "rejected by moderation",
        ModerationUnavailable => "moderation unavailable",
        _ => "error",
    };
}
