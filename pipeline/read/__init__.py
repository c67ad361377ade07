"""The reading side: queries over the public views for the pages and the CLI, the charts, comparisons of brands,
emerging topics, the weekly summary in words, the response room, the reports and the exports. Writes nothing
but the files it is asked for."""
