"""Skills: the shared vocabulary, levels, and which people and challenges list which skills."""
