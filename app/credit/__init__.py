"""信用: 安全生产严重失信主体名单 (应急管理部令第11号) and the enterprise profile for 分类分级监管."""
