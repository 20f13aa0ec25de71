/** Name material for the generator: Chinese characters with their pinyin, Latin names, department names. */

export const SURNAMES: ReadonlyArray<readonly [string, string]> = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'], ['赵', 'zhao'],
  ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'], ['朱', 'zhu'], ['胡', 'hu'], ['郭', 'guo'],
  ['何', 'he'], ['高', 'gao'], ['林', 'lin'], ['罗', 'luo'], ['郑', 'zheng'], ['梁', 'liang'], ['谢', 'xie'], ['宋', 'song'],
  ['唐', 'tang'], ['许', 'xu'], ['韩', 'han'], ['冯', 'feng'], ['邓', 'deng'], ['曹', 'cao'], ['彭', 'peng'], ['曾', 'zeng'],
  ['肖', 'xiao'], ['田', 'tian'], ['董', 'dong'], ['袁', 'yuan'], ['潘', 'pan'], ['于', 'yu'], ['蒋', 'jiang'], ['蔡', 'cai'],
  ['余', 'yu'], ['杜', 'du'], ['叶', 'ye'], ['程', 'cheng'], ['苏', 'su'], ['魏', 'wei'], ['吕', 'lv'], ['丁', 'ding'],
  ['任', 'ren'], ['沈', 'shen'], ['姚', 'yao'], ['卢', 'lu'], ['姜', 'jiang'], ['崔', 'cui'], ['钟', 'zhong'], ['谭', 'tan'],
  ['欧阳', 'ouyang'], ['司马', 'sima'], ['诸葛', 'zhuge'],
];

export const GIVEN_CHARS: ReadonlyArray<readonly [string, string]> = [
  ['伟', 'wei'], ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['强', 'qiang'], ['磊', 'lei'],
  ['军', 'jun'], ['洋', 'yang'], ['勇', 'yong'], ['艳', 'yan'], ['杰', 'jie'], ['娟', 'juan'], ['涛', 'tao'], ['明', 'ming'],
  ['超', 'chao'], ['秀', 'xiu'], ['霞', 'xia'], ['平', 'ping'], ['刚', 'gang'], ['桂', 'gui'], ['英', 'ying'], ['华', 'hua'],
  ['建', 'jian'], ['国', 'guo'], ['文', 'wen'], ['辉', 'hui'], ['玲', 'ling'], ['宇', 'yu'], ['浩', 'hao'], ['然', 'ran'],
  ['子', 'zi'], ['轩', 'xuan'], ['梓', 'zi'], ['涵', 'han'], ['欣', 'xin'], ['怡', 'yi'], ['晨', 'chen'], ['阳', 'yang'],
  ['佳', 'jia'], ['琪', 'qi'], ['思', 'si'], ['雨', 'yu'], ['嘉', 'jia'], ['博', 'bo'], ['睿', 'rui'], ['泽', 'ze'],
  ['一', 'yi'], ['诺', 'nuo'], ['梦', 'meng'], ['婷', 'ting'], ['雪', 'xue'], ['鹏', 'peng'], ['飞', 'fei'], ['志', 'zhi'],
  ['海', 'hai'], ['波', 'bo'], ['春', 'chun'], ['红', 'hong'], ['云', 'yun'], ['峰', 'feng'], ['琳', 'lin'], ['凯', 'kai'],
  ['斌', 'bin'], ['翔', 'xiang'], ['慧', 'hui'], ['颖', 'ying'], ['倩', 'qian'], ['彬', 'bin'], ['瑶', 'yao'], ['露', 'lu'],
];

export const LATIN_FIRST: readonly string[] = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara',
  'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Daniel', 'Nancy', 'Matthew', 'Lisa',
  'Anthony', 'Sophie', 'Mark', 'Emma', 'Paul', 'Olivia', 'Steven', 'Chloe', 'Andrew', 'Lucas', 'Hannah', 'Noah',
  'Ethan', 'Mia', 'Liam', 'Amelia', 'Oliver', 'Isabella', 'Henry', 'Grace', 'Jack', 'Alice', 'Leo', 'Zoe',
];

export const LATIN_LAST: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Martin', 'Lopez', 'Wilson', 'Anderson',
  'Taylor', 'Thomas', 'Moore', 'Jackson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Hall', 'Young', 'King',
  'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Carter', 'Mitchell', 'Roberts', 'Turner', 'Phillips', 'Campbell',
  'Parker', 'Evans', 'Edwards', 'Collins', 'Stewart', 'Morris', 'Murphy', 'Cook', 'Rogers', 'Morgan', 'Cooper', 'Reed',
];

/** Department names by level: companies/divisions near the top, teams at the bottom. */
export const DIVISION_NAMES: readonly string[] = [
  '研发中心', '市场部', '销售部', '财务部', '人力资源部', '运营中心', '客户服务部', '法务部', '采购部', '行政部',
  'Engineering', 'Sales', 'Marketing', 'Finance', 'Operations', 'Product', 'Legal', 'Customer Success', 'IT', 'Research',
];
export const CORP_NAMES: readonly string[] = ['华东分公司', '华南分公司', '华北分公司', '西南分公司', '北京分公司', '上海分公司', 'Singapore Branch', 'Europe Branch', 'US Branch'];
export const TEAM_NAMES: readonly string[] = [
  '平台组', '前端组', '后端组', '测试组', '数据组', '安全组', '运维组', '设计组', '一组', '二组', '三组', '渠道组', '大客户组',
  'Platform', 'Frontend', 'Backend', 'QA', 'Data', 'Security', 'SRE', 'Design', 'Payroll', 'Recruiting', 'Support', 'Analytics',
];

export const JOB_TITLES: readonly string[] = ['工程师', '高级工程师', '经理', '专员', '主管', '总监', 'Engineer', 'Senior Engineer', 'Manager', 'Analyst', 'Specialist', 'Director'];

const PINYIN = new Map<string, string>([...SURNAMES, ...GIVEN_CHARS]);

/** Pinyin and initials of a name: known Chinese characters become pinyin, Latin letters stay (lower case). */
export function pinyinOf(name: string): { pinyin: string; initial: string } {
  let pinyin = '';
  let initial = '';
  let wordStart = true;
  const chars = [...name];
  for (let i = 0; i < chars.length; i += 1) {
    const ch = chars[i];
    const pair = i + 1 < chars.length ? PINYIN.get(ch + chars[i + 1]) : undefined;
    const py = pair ?? PINYIN.get(ch);
    if (py) {
      if (pair) i += 1;
      pinyin += py;
      initial += py[0];
      wordStart = true;
    } else if (/[A-Za-z0-9]/.test(ch)) {
      pinyin += ch.toLowerCase();
      if (wordStart) initial += ch.toLowerCase();
      wordStart = false;
    } else {
      wordStart = true;
    }
  }
  return { pinyin, initial };
}
