namespace OrleansIm.Gateway.Auth;

/// <summary>Roles a token may carry.</summary>
public static class Roles
{
    public const string User = "user";
    public const string Admin = "admin";
    public const string Node = "node";

    public static bool IsKnown(string role) => role is User or Admin or Node;
}
