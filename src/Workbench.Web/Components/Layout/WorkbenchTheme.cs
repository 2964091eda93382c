using MudBlazor;

namespace Workbench.Web.Components.Layout;

public static class WorkbenchTheme
{
    // System fonts: the app must look right with no internet and no font download.
    private static readonly string[] FontStack =
        ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Noto Sans", "Liberation Sans", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949AB",
            Secondary = "#00897B",
            AppbarBackground = "#283593",
            Background = "#F6F7FB",
            DrawerBackground = "#FFFFFF",
            Success = "#2E7D32",
            Warning = "#B26A00",
            Error = "#C62828",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8C9EFF",
            Secondary = "#4DB6AC",
            AppbarBackground = "#1A1F3A",
            Background = "#12141C",
            Surface = "#1C1F2B",
            DrawerBackground = "#171A24",
            Success = "#66BB6A",
            Warning = "#FFB74D",
            Error = "#EF5350",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = FontStack },
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "220px" },
    };
}
